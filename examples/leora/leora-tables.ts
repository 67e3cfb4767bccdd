/** The slice of Leora's schema the example jobs read and write. */
import type pg from 'pg';

export const LEORA_TABLES = `
  CREATE TABLE IF NOT EXISTS tenants (id text PRIMARY KEY, slug text UNIQUE NOT NULL, name text NOT NULL);
  CREATE TABLE IF NOT EXISTS customers (
    tenant_id text NOT NULL REFERENCES tenants (id),
    id text NOT NULL,
    account_type text NOT NULL DEFAULT 'STANDARD',
    account_type_updated_at timestamptz,
    PRIMARY KEY (tenant_id, id)
  );
  CREATE TABLE IF NOT EXISTS skus (
    tenant_id text NOT NULL REFERENCES tenants (id),
    id text NOT NULL,
    lead_time_days integer NOT NULL,
    burn_rate numeric(12, 2),
    reorder_point integer,
    PRIMARY KEY (tenant_id, id)
  );
  CREATE TABLE IF NOT EXISTS orders (
    tenant_id text NOT NULL REFERENCES tenants (id),
    id text NOT NULL,
    customer_id text NOT NULL,
    total numeric(12, 2) NOT NULL,
    delivered_at timestamptz,
    PRIMARY KEY (tenant_id, id)
  );
  CREATE TABLE IF NOT EXISTS order_lines (
    tenant_id text NOT NULL,
    order_id text NOT NULL,
    sku_id text NOT NULL,
    quantity integer NOT NULL
  );
`;

export async function createLeoraTables(pool: pg.Pool): Promise<void> {
  await pool.query(LEORA_TABLES);
}
