/**
 * A small ICS (RFC 5545) reader for the subset Koordi needs: the VEVENTs of a feed with their UID,
 * DTSTART, DTEND, SUMMARY and LOCATION. It unfolds continuation lines, unescapes text values and
 * reads the three date forms feeds use: UTC (`20250105T170000Z`), local time in a `TZID` zone, and
 * all-day dates (`VALUE=DATE`, read as UTC midnight). Floating times (no zone) are read as UTC.
 * Recurrence (RRULE), alarms and attendees are not read.
 */

export interface IcsEvent {
  uid: string;
  start: Date;
  /** DTEND, or the start when the event has none. */
  end: Date;
  summary: string;
  location: string | null;
}

interface ContentLine {
  name: string;
  params: Record<string, string>;
  value: string;
}

/** Joins folded lines: a line starting with a space or tab continues the previous one. */
function unfold(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if ((raw.startsWith(' ') || raw.startsWith('\t')) && lines.length > 0) {
      lines[lines.length - 1] += raw.slice(1);
    } else if (raw !== '') {
      lines.push(raw);
    }
  }
  return lines;
}

function parseLine(line: string): ContentLine | null {
  const colon = line.indexOf(':');
  if (colon < 1) return null;
  const [name = '', ...rawParams] = line.slice(0, colon).split(';');
  const params: Record<string, string> = {};
  for (const param of rawParams) {
    const eq = param.indexOf('=');
    if (eq > 0) params[param.slice(0, eq).toUpperCase()] = param.slice(eq + 1).replace(/^"|"$/g, '');
  }
  return { name: name.toUpperCase(), params, value: line.slice(colon + 1) };
}

function unescapeText(value: string): string {
  return value.replace(/\\([\\;,nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** Milliseconds `zone` is ahead of UTC at instant `ms`. */
function zoneOffset(ms: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - ms;
}

const DATE_TIME = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/;

function parseDate(line: ContentLine): Date {
  const match = DATE_TIME.exec(line.value.trim());
  if (!match) throw new Error(`${line.name} "${line.value}" is not an ICS date or date-time`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', utc] = match;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const zone = line.params.TZID;
  if (utc || !zone || match[4] === undefined) return new Date(wall);
  // Local time in a zone: subtract the zone's offset, re-checked once for a DST change in between.
  const first = wall - zoneOffset(wall, zone);
  return new Date(wall - zoneOffset(first, zone));
}

/** The VEVENTs of an ICS document. An event without UID or DTSTART is an error: the feed is broken. */
export function parseIcs(text: string): IcsEvent[] {
  const events: IcsEvent[] = [];
  let current: Map<string, ContentLine> | null = null;
  for (const raw of unfold(text)) {
    const line = parseLine(raw);
    if (!line) continue;
    if (line.name === 'BEGIN' && line.value.trim().toUpperCase() === 'VEVENT') current = new Map();
    else if (line.name === 'END' && line.value.trim().toUpperCase() === 'VEVENT' && current) {
      const uid = current.get('UID')?.value.trim();
      const dtstart = current.get('DTSTART');
      if (!uid || !dtstart) throw new Error('a VEVENT has no UID or no DTSTART');
      const start = parseDate(dtstart);
      const dtend = current.get('DTEND');
      const location = current.get('LOCATION');
      events.push({
        uid,
        start,
        end: dtend ? parseDate(dtend) : start,
        summary: unescapeText(current.get('SUMMARY')?.value ?? ''),
        location: location ? unescapeText(location.value) : null,
      });
      current = null;
    } else if (current && !current.has(line.name)) current.set(line.name, line);
  }
  return events;
}
