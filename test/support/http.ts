/** A JSON request to the API with a bearer credential; the body parsed when there is one. No time limit unless given. */
export async function requestJson(
  baseUrl: string,
  method: string,
  route: string,
  token: string,
  body?: unknown,
  timeoutMs?: number,
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
