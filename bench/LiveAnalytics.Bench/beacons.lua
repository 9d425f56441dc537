-- Varied, realistic beacons for wrk: pages, referrers, custom events and browser User-Agents; with LA_ENGAGEMENT (a
-- share, 0 to 1) that share of them are the tracker's engagement reports (a store's pages send about one per pageview).
local domain = os.getenv("LA_DOMAIN")
local engagement = tonumber(os.getenv("LA_ENGAGEMENT") or "0")
local paths = { "/", "/collections/new", "/collections/sale", "/products/linen-shirt", "/products/canvas-bag",
  "/products/wool-socks", "/cart", "/checkout", "/about", "/blog/summer-lookbook", "/search" }
local referrers = { "null", "null", "null", '"https://www.google.com/"', '"https://duckduckgo.com/"',
  '"https://www.facebook.com/"', '"https://news.ycombinator.com/"', '"https://t.co/x1"', '"https://someblog.example/post"' }
local agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
  "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
  "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0" }
local heads, tails = {}, {}
local index, sent, prefix = 0, 0, ""

-- Each beacon carries its own id, as the tracker's do (a UUIDv7): the second's time of the run and wrk's thread
-- in front, a counter behind, so no two runs or threads repeat one (a repeat would be stored once: "lost").
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

-- Each request comes through a proxy (the bench app trusts 127.0.0.1) from its own address: with the
-- User-Agents that makes about 10,000 visitors, so sessions, visitor sketches and rollups see a busy
-- store's spread rather than a handful of visitors. Built once, so wrk's cost per request stays the same.
function init(args)
  for i = 1, 9973 do
    local custom = i % 10 == 0
    local body = string.format('{"n":"%s","u":"https://%s%s?utm_source=%s","d":"%s","r":%s%s,"i":"',
      custom and "Add to cart" or "pageview", domain, paths[i % #paths + 1], (i % 7 == 0) and "newsletter" or "",
      domain, referrers[i % #referrers + 1], custom and (',"p":{"product":"sku-' .. i .. '"}') or "")
    if (i * 7919) % 1000 < engagement * 1000 then   -- spread over the bodies, not in a run of them
      body = string.format('{"n":"engagement","u":"https://%s%s","d":"%s","e":%d,"sd":%d,"f":1,"i":"',
        domain, paths[i % #paths + 1], domain, 1000 + (i * 37) % 120000, 20 + i % 81)
    end
    local ip = string.format("10.%d.%d.%d", math.floor(i / 65536), math.floor(i / 256) % 256, i % 256)
    -- Built once with a placeholder of the id's length (Content-Length stays right), then split around it.
    local request = wrk.format("POST", nil, { ["Content-Type"] = "text/plain", ["User-Agent"] = agents[i % #agents + 1],
      ["X-Forwarded-For"] = ip }, body .. string.rep("x", 36) .. '"}')
    local at = request:find(string.rep("x", 36), 1, true)
    heads[i], tails[i] = request:sub(1, at - 1), request:sub(at + 36)
  end
  local ms = string.format("%012x", os.time() * 1000)
  prefix = ms:sub(1, 8) .. "-" .. ms:sub(9, 12) .. string.format("-7%03x-8000-", (tid or 1) % 4096)
  index = math.random(#heads)
end

function request()
  index = index % #heads + 1
  sent = sent + 1
  return heads[index] .. prefix .. string.format("%012x", sent) .. tails[index]
end
