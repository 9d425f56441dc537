-- The currency a site reports revenue in (ISO 4217); null: not set, and amounts of any currency are summed as
-- they come. Once set, ingestion refuses revenue in another currency, since amounts of two cannot be added.
ALTER TABLE sites ADD COLUMN IF NOT EXISTS revenue_currency text CHECK (revenue_currency ~ '^[A-Z]{3}$');
