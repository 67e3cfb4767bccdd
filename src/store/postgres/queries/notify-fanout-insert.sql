-- notifyFanout, one statement per batch of recipients: writes the in-app rows of every recipient
-- whose preferences allow them, and reports per recipient whether an immediate email is wanted
-- and their unread count after this insert (the statement's snapshot does not see its own rows,
-- hence + 1). Effective preference per channel: mandatory (in code, or the tenant row's flag) or
-- the user's row, else the tenant's row, else the code's default.
-- $1 tenant id, $2 recipients (text[]; NULL = every active user of the tenant), $3 notification
-- (json { type, title, body, link, data }), $4 event id (uuid or NULL), $5 now, $6 in-app
-- default (boolean), $7 email default (boolean), $8 mandatory in code (boolean).
-- Returns per recipient: user_id, id (NULL when in-app is off), email (address when an
-- immediate email is wanted), unread (integer).
WITH spec AS (
  SELECT s.* FROM json_to_record($3::json) AS s(type text, title text, body text, link text, data jsonb)
),
targets AS (
  SELECT DISTINCT r.user_id FROM unnest($2::text[]) AS r(user_id) WHERE $2::text[] IS NOT NULL
  UNION ALL
  SELECT u.user_id FROM conveyor.notify_users u
  WHERE $2::text[] IS NULL AND u.tenant_id = $1 AND u.active
),
tenant_pref AS (
  SELECT
    bool_or(p.enabled) FILTER (WHERE p.channel = 'in_app') AS in_app,
    bool_or(p.mandatory) FILTER (WHERE p.channel = 'in_app') AS in_app_mandatory,
    bool_or(p.enabled) FILTER (WHERE p.channel = 'email') AS email,
    bool_or(p.mandatory) FILTER (WHERE p.channel = 'email') AS email_mandatory
  FROM conveyor.notify_preferences p, spec
  WHERE p.tenant_id = $1 AND p.user_id = '' AND p.type = spec.type
),
decided AS (
  SELECT t.user_id, u.email AS address, u.digest_frequency,
    ($8 OR COALESCE(tp.in_app_mandatory, false) OR COALESCE(uin.enabled, tp.in_app, $6)) AS in_app,
    ($8 OR COALESCE(tp.email_mandatory, false) OR COALESCE(uem.enabled, tp.email, $7)) AS email
  FROM targets t
  CROSS JOIN tenant_pref tp
  CROSS JOIN spec
  LEFT JOIN conveyor.notify_users u ON u.tenant_id = $1 AND u.user_id = t.user_id
  LEFT JOIN conveyor.notify_preferences uin
    ON uin.tenant_id = $1 AND uin.user_id = t.user_id AND uin.type = spec.type AND uin.channel = 'in_app'
  LEFT JOIN conveyor.notify_preferences uem
    ON uem.tenant_id = $1 AND uem.user_id = t.user_id AND uem.type = spec.type AND uem.channel = 'email'
),
inserted AS (
  INSERT INTO conveyor.notifications (id, tenant_id, user_id, type, title, body, link, data, event_id,
    created_at)
  SELECT gen_random_uuid(), $1, d.user_id, spec.type, spec.title, spec.body, spec.link, spec.data,
    $4::uuid, $5::timestamptz
  FROM decided d CROSS JOIN spec
  WHERE d.in_app
  RETURNING id, user_id
)
SELECT d.user_id, i.id::text AS id,
  CASE WHEN d.email AND d.address IS NOT NULL AND COALESCE(d.digest_frequency, 'immediate') = 'immediate'
    THEN d.address END AS email,
  (SELECT count(*) FROM conveyor.notifications n
   WHERE n.tenant_id = $1 AND n.user_id = d.user_id AND n.read_at IS NULL AND n.archived_at IS NULL)::integer
    + CASE WHEN i.id IS NULL THEN 0 ELSE 1 END AS unread
FROM decided d
LEFT JOIN inserted i ON i.user_id = d.user_id;
