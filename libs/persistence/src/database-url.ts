/** Splits a PostgreSQL URL into the database name and a URL of the same server's `postgres` database. */
export function parseDatabaseUrl(url: string): { database: string; maintenanceUrl: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`not a valid PostgreSQL URL: ${redactUrl(url)}`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`not a PostgreSQL URL (protocol ${parsed.protocol}): ${redactUrl(url)}`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`the URL names no database: ${redactUrl(url)}`);
  const maintenance = new URL(parsed.toString());
  maintenance.pathname = '/postgres';
  return { database, maintenanceUrl: maintenance.toString() };
}

/** Replaces a database name in a URL (the rest, credentials included, stays). */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The URL without its password, for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}
