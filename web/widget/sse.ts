// Server-sent events over fetch: EventSource cannot send an Authorization header, and a token in the
// URL would end up in logs and histories.

export interface ServerEvent {
  id?: string;
  event: string;
  data: string;
}

/** Splits a text/event-stream body into events as they arrive. */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: ServerEvent = { event: 'message', data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue; // keep-alive comment
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const content = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') event.id = content;
        else if (field === 'event') event.event = content;
        else if (field === 'data') event.data += event.data ? `\n${content}` : content;
      }
      if (event.data) yield event;
    }
  }
}
