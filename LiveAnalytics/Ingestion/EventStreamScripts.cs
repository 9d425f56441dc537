namespace LiveAnalytics.Ingestion;

/// <summary>
/// The Lua scripts <see cref="EventStream"/> runs: the session rules (by arrival for live events, by their own
/// time for imported history) and the appends, each in one call (ADR 2, 4, 6). They build their session keys
/// themselves, so they need a standalone Redis, not Redis Cluster.
/// </summary>
internal static class EventStreamScripts
{
    // The session rule, shared by both scripts: with site, visitor, earlier ('' or, just after midnight, the
    // visitor's id under yesterday's salt: a live event has one at most), a fresh session id, `now` (the
    // event's time, ms) and `timeout` in scope, leaves visitor and session settled. A live visit's key holds
    // "session first" (when it began, for the imported-history rule below); a key of the older form,
    // "session", still reads. A visit that starts within the timeout of the end of the visitor's imported
    // one (below) continues it: an import, or a late webhook, that reaches into the present splits no visit.
    // GETEX reads and extends in one call (Redis 6.2+): one command per returning visitor's event, not two.
    private const string SettleSession = """
          local found = false
          if earlier ~= '' then
            local s = redis.call('GETEX', prefix .. site .. ':' .. earlier, 'PX', ttl)
            if s then visitor = earlier; session = string.match(s, '^%S+'); found = true end
          end
          if not found then
            local key = prefix .. site .. ':' .. visitor
            local s = redis.call('GETEX', key, 'PX', ttl)
            if s then session = string.match(s, '^%S+')
            else
              local first = now
              local hs, lo, hi = string.match(redis.call('GET', key .. ':h') or '', '^(%S+) (%S+) (%S+)$')
              if hs and tonumber(hi) and tonumber(now) <= tonumber(hi) + timeout then session, first = hs, lo end
              redis.call('SET', key, session .. ' ' .. first, 'PX', ttl)
            end
          end

        """;

    // With the new entry's id in scope: puts it on this node's consumer's pending list in the "persist"
    // group at once (ARGV group, consumer; '' = this node does not persist its own), so the node stores it
    // from memory and Redis never sends it back. XREADGROUP hands out the oldest undelivered entry: only if
    // that is this one was it delivered (an older one taken instead waits in the pending list for the flush
    // job, and this one stays undelivered for it). No group yet: nothing is delivered.
    private const string Deliver = """
          local delivered = 0
          if consumer ~= '' then
            local r = redis.pcall('XREADGROUP', 'GROUP', group, consumer, 'COUNT', 1, 'STREAMS', KEYS[1], '>')
            if type(r) == 'table' and r[1] and r[1][2][1][1] == id then delivered = 1 end
          end

        """;

    // KEYS[1] the stream, KEYS[2] the counts. ARGV: timeout ms, session key prefix, node, the events' JSON
    // lines, group, consumer, the beacons' time (ms), then per event: site, visitor, earlier id or '', new session id.
    // Session keys are built here, not passed in KEYS: this needs a standalone Redis (not Redis Cluster).
    public const string Append = """
        local ttl, prefix, node, group, consumer, now, vs = ARGV[1], ARGV[2], ARGV[3], ARGV[5], ARGV[6], ARGV[7], {}
        local timeout = tonumber(ttl)
        for i = 8, #ARGV, 4 do
          local site, visitor, earlier, session = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]

        """ + SettleSession + """
          vs[#vs + 1] = visitor
          vs[#vs + 1] = session
        end
        local n = (#ARGV - 7) / 4
        local settled = table.concat(vs, ' ')
        local id = redis.call('XADD', KEYS[1], '*', 'b', ARGV[4], 'vs', settled, 'n', node)
        redis.call('HINCRBY', KEYS[2], 'events', n)
        redis.call('HINCRBY', KEYS[2], 'entries', 1)

        """ + Deliver + """
        return {id, settled, delivered}
        """;

    // The rule for an event stamped further back than the timeout (an import of history, a webhook sent late):
    // its visit is found by its own time, not by arrival. A visitor's imported visit is kept as "session first
    // last" (ms) under its own key, and an event joins it if it lies within the timeout of that span. Else it
    // joins the visitor's live visit if it lies no further than the timeout before that visit began (the live
    // visit has gone on since, with gaps under the timeout, so the event is that close to one of its events).
    // Else it starts an imported visit. With `at` (ms) in scope, and in `earlier` the visitor's earlier ids near
    // a midnight, space-separated (VisitorSalts.ForEventAsync).
    private const string SettleStamped = """
          local found, whos = false, {}
          for who in string.gmatch(earlier, '%S+') do whos[#whos + 1] = who end
          whos[#whos + 1] = visitor
          for _, who in ipairs(whos) do
            local key = prefix .. site .. ':' .. who .. ':h'
            local v = redis.call('GET', key)
            if v then
              local s, lo, hi = string.match(v, '^(%S+) (%S+) (%S+)$')
              lo, hi = tonumber(lo), tonumber(hi)
              -- A value not of this form (written by hand, or by a later version) is replaced, never a script error.
              if lo and hi and at >= lo - timeout and at <= hi + timeout then
                visitor, session, found = who, s, true
                redis.call('SET', key, s .. ' ' .. math.min(lo, at) .. ' ' .. math.max(hi, at), 'PX', ttl)
                break
              end
            end
          end
          if not found then
            for _, who in ipairs(whos) do
              local key = prefix .. site .. ':' .. who
              local s, first = string.match(redis.call('GET', key) or '', '^(%S+) (%S+)$')
              first = tonumber(first)
              if first and at >= first - timeout then
                visitor, session, found = who, s, true
                -- The visit now began earlier; its life (the timeout since its last live event) stays.
                if at < first then redis.call('SET', key, s .. ' ' .. at, 'KEEPTTL') end
                break
              end
            end
          end
          if not found then redis.call('SET', prefix .. site .. ':' .. visitor .. ':h', session .. ' ' .. at .. ' ' .. at, 'PX', ttl) end

        """;

    // The session rules without the XADD: ARGV timeout ms, prefix, then per event site, visitor, its earlier
    // ids or '', new session id, its timestamp (ms), and '' (settled by arrival) or '1' (by its own time).
    // Returns visitor, session per event.
    public const string Settle = """
        local ttl, prefix, out = ARGV[1], ARGV[2], {}
        local timeout = tonumber(ttl)
        for i = 3, #ARGV, 6 do
          local site, visitor, earlier, session, at = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
          if ARGV[i + 5] == '' then
            local now = at

        """ + SettleSession + """
          else
            at = tonumber(at)

        """ + SettleStamped + """
          end
          out[#out + 1] = visitor
          out[#out + 1] = session
        end
        return out
        """;

    // KEYS[1] the stream, KEYS[2] the counts. ARGV: node, stored ('1': already in Postgres, the persist
    // group skips them, and they are no backlog), group, consumer, then per entry: its events' JSON lines,
    // how many. One call for all the entries of a batch: they are appended all or none. Stored entries are
    // delivered and acknowledged at once where this node persists its own: left undelivered, each would be
    // handed out in place of the next beacons' entry.
    public const string AppendSettled = """
        local node, stored, group, consumer, ids = ARGV[1], ARGV[2], ARGV[3], ARGV[4], {}
        for i = 5, #ARGV, 2 do
          if stored == '1' then
            local id = redis.call('XADD', KEYS[1], '*', 'b', ARGV[i], 'n', node, 'p', '1')
            ids[#ids + 1] = id

        """ + Deliver + """
            if delivered == 1 then redis.call('XACK', KEYS[1], group, id) end
          else
            ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', 'b', ARGV[i], 'n', node)
            redis.call('HINCRBY', KEYS[2], 'events', ARGV[i + 1])
            redis.call('HINCRBY', KEYS[2], 'entries', 1)
          end
        end
        return ids
        """;
}
