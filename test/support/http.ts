/** A JSON request to an API running in another process, with a bearer credential; the body parsed when there is one. */
export async function requestJson(
  baseUrl: string,
  method: string,
  route: string,
  token: string,
  body?: unknown,
  timeoutMs = 60_000,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
