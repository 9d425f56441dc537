-- The custom events a token's recent-events widget may count (its page names one): a storefront shows its orders'
-- count, not whatever other event a visitor of the page puts in the widget's address. Empty: none.
ALTER TABLE widget_tokens ADD COLUMN IF NOT EXISTS events text[] NOT NULL DEFAULT '{}';
