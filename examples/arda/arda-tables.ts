/** The slice of Arda's schema the example jobs read and write (kanban loops, cards, orders, notifications). */
import type pg from 'pg';

export const ARDA_TABLES = `
  CREATE TABLE IF NOT EXISTS tenant_users (
    tenant_id text NOT NULL,
    user_id text NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    PRIMARY KEY (tenant_id, user_id)
  );
  CREATE TABLE IF NOT EXISTS kanban_loops (
    tenant_id text NOT NULL,
    id text NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    min_qty integer NOT NULL,
    order_qty integer NOT NULL,
    avg_daily_demand numeric NOT NULL,
    demand_stddev numeric NOT NULL,
    lead_time_days numeric NOT NULL,
    PRIMARY KEY (tenant_id, id)
  );
  CREATE TABLE IF NOT EXISTS relowisa_recommendations (
    tenant_id text NOT NULL,
    loop_id text NOT NULL,
    run_date date NOT NULL,
    current_min_qty integer NOT NULL,
    recommended_min_qty integer NOT NULL,
    recommended_order_qty integer NOT NULL,
    PRIMARY KEY (tenant_id, loop_id, run_date)
  );
  CREATE TABLE IF NOT EXISTS kanban_cards (
    tenant_id text NOT NULL,
    id text NOT NULL,
    stage text NOT NULL,
    stage_entered_at timestamptz NOT NULL,
    is_active boolean NOT NULL DEFAULT true,
    metadata jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id)
  );
  CREATE TABLE IF NOT EXISTS kanban_cards_archive (LIKE kanban_cards INCLUDING ALL);
  CREATE TABLE IF NOT EXISTS orders (
    tenant_id text NOT NULL,
    id text NOT NULL,
    number text NOT NULL,
    kind text NOT NULL DEFAULT 'purchase_order',
    status text NOT NULL,
    expected_delivery_date date,
    created_at timestamptz NOT NULL DEFAULT now(),
    metadata jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant_id, id)
  );
  CREATE TABLE IF NOT EXISTS notifications (
    tenant_id text NOT NULL,
    user_id text NOT NULL,
    type text NOT NULL,
    entity_id text NOT NULL,
    message text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id, type, entity_id)
  );
`;

export async function createArdaTables(pool: pg.Pool): Promise<void> {
  await pool.query(ARDA_TABLES);
}

/** One notification per active user of the tenant; a repeat (retry, re-run) inserts nothing. Returns rows added. */
export async function notifyTenantUsers(
  db: pg.Pool | pg.PoolClient,
  notification: { tenantId: string; type: string; entityId: string; message: string },
): Promise<number> {
  const { rowCount } = await db.query(
    `INSERT INTO notifications (tenant_id, user_id, type, entity_id, message)
     SELECT tenant_id, user_id, $2, $3, $4 FROM tenant_users WHERE tenant_id = $1 AND is_active
     ON CONFLICT DO NOTHING`,
    [notification.tenantId, notification.type, notification.entityId, notification.message],
  );
  return rowCount ?? 0;
}
