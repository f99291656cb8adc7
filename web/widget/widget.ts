import { createTandemClient, type TandemClient, type paths } from '../../client';
import { readEvents } from './sse';

// Tandem's chat widget: one script tag on the business's site, no framework. It holds a visitor
// token only (short-lived, this conversation only), never the business's API key:
//   <script src="https://support.example/widget.js" data-conversation-id="…" data-token="…" data-expires-at="…" async></script>
// (minted by the business's backend), or with a public key limited to allowed origins:
//   <script src="https://support.example/widget.js" data-widget-key="…" async></script>
// Replies arrive live over the conversation's event stream; what to ask the visitor (an email
// while nobody is at work, a rating after resolution) comes from the API, which owns those rules.

type Conversation = paths['/v1/conversations/{conversationId}']['get']['responses']['200']['content']['application/json'];
type Message = Conversation['transcript'][number];
type MessageResponses = paths['/v1/conversations/{conversationId}/messages']['post']['responses'];
/** The reply, or 202 pending when none came within the API's bound: the stream brings it then. */
type Outcome = MessageResponses['200']['content']['application/json'] | MessageResponses['202']['content']['application/json'];

interface Session {
  conversationId: string;
  token: string;
  expiresAt: string;
}

const RECONNECT_MS = 1500;
/** A resolution without a note adds no message to stream: while a person has it, the state is re-read this often. */
const HANDOFF_REFRESH_MS = 10_000;
const WHO: Record<Message['role'], string> = { customer: 'You', ai: 'Assistant', agent: 'Support agent', system: 'Support' };

const script = document.currentScript as HTMLScriptElement | null;
if (script) void mount(script);

async function mount(tag: HTMLScriptElement): Promise<void> {
  const base = new URL(tag.src).origin;
  const host = document.createElement('div');
  host.className = 'tandem-widget-host';
  document.body.append(host);
  const ui = buildUi(host.attachShadow({ mode: 'open' }), base);
  let session: Session;
  try {
    session = await sessionFor(tag, base);
  } catch {
    ui.launcher.hidden = true;
    return;
  }
  new Chat(ui, session, createTandemClient(base, session.token), tag.dataset.articleUrl).start();
}

/** The session the page was given, or one made with the public widget key (kept while its token is valid). */
async function sessionFor(tag: HTMLScriptElement, base: string): Promise<Session> {
  const { conversationId, token, expiresAt, widgetKey } = tag.dataset;
  if (conversationId && token && expiresAt) return { conversationId, token, expiresAt };
  if (!widgetKey) throw new Error('the widget needs data-token (with data-conversation-id and data-expires-at) or data-widget-key');
  const storageKey = `tandem-widget:${base}`;
  const stored = JSON.parse(localStorage.getItem(storageKey) ?? 'null') as Session | null;
  if (stored && Date.parse(stored.expiresAt) > Date.now()) return stored;
  const { data, error } = await createTandemClient(base, widgetKey).POST('/v1/widget/sessions', { body: {} });
  if (!data) throw new Error(error ? 'the widget key was refused' : 'no session');
  const fresh = { conversationId: data.conversationId, token: data.token, expiresAt: data.expiresAt };
  localStorage.setItem(storageKey, JSON.stringify(fresh));
  return fresh;
}

interface Ui {
  launcher: HTMLButtonElement;
  panel: HTMLElement;
  close: HTMLButtonElement;
  status: HTMLElement;
  log: HTMLOListElement;
  emailForm: HTMLFormElement;
  email: HTMLInputElement;
  ratingForm: HTMLFormElement;
  compose: HTMLFormElement;
  text: HTMLTextAreaElement;
  send: HTMLButtonElement;
  human: HTMLButtonElement;
  notice: HTMLElement;
}

function buildUi(root: ShadowRoot, base: string): Ui {
  const stylesheet = document.createElement('link');
  stylesheet.rel = 'stylesheet';
  stylesheet.href = `${base}/widget.css`;
  root.append(stylesheet);
  const wrapper = document.createElement('div');
  wrapper.className = 'tandem';
  // Static markup only: every piece of conversation text is set with textContent.
  wrapper.innerHTML = `
    <button type="button" class="launcher" aria-expanded="false" aria-controls="tandem-panel">Chat with us</button>
    <section id="tandem-panel" class="panel" role="dialog" aria-modal="false" aria-labelledby="tandem-title" hidden>
      <header>
        <h2 id="tandem-title">Support chat</h2>
        <button type="button" class="close" aria-label="Close the chat">×</button>
      </header>
      <p class="status" role="status"></p>
      <ol class="log" aria-live="polite" aria-relevant="additions" aria-label="Conversation"></ol>
      <form class="email" hidden>
        <label for="tandem-email">Your email address, so the answer reaches you</label>
        <div class="row"><input id="tandem-email" type="email" autocomplete="email" required><button type="submit">Send email</button></div>
      </form>
      <form class="rating" hidden>
        <fieldset>
          <legend>How did we do?</legend>
          <div class="row">${[1, 2, 3, 4, 5].map((n) => `<button type="submit" value="${n}" aria-label="Rate ${n} out of 5">${n}</button>`).join('')}</div>
        </fieldset>
      </form>
      <form class="compose">
        <label for="tandem-text">Your message</label>
        <textarea id="tandem-text" rows="2" maxlength="4000" required></textarea>
        <div class="row">
          <button type="submit" class="send">Send</button>
          <button type="button" class="human">Talk to a person</button>
        </div>
      </form>
      <p class="notice" role="alert"></p>
    </section>`;
  root.append(wrapper);
  const find = <T extends Element>(selector: string): T => wrapper.querySelector(selector) as T;
  return {
    launcher: find('.launcher'),
    panel: find('.panel'),
    close: find('.close'),
    status: find('.status'),
    log: find('.log'),
    emailForm: find('form.email'),
    email: find('#tandem-email'),
    ratingForm: find('form.rating'),
    compose: find('form.compose'),
    text: find('#tandem-text'),
    send: find('.send'),
    human: find('.human'),
    notice: find('.notice'),
  };
}

class Chat {
  private readonly shown = new Set<string>();
  private received = 0;
  private counter = 0;
  private status: Conversation['status'] = 'ai';

  constructor(
    private readonly ui: Ui,
    private readonly session: Session,
    private readonly api: TandemClient,
    private readonly articleUrl: string | undefined,
  ) {}

  private get path() {
    return { params: { path: { conversationId: this.session.conversationId } } };
  }

  start(): void {
    const { ui } = this;
    ui.launcher.addEventListener('click', () => (ui.panel.hidden ? this.open() : this.close()));
    ui.close.addEventListener('click', () => this.close());
    ui.panel.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.close();
    });
    ui.text.addEventListener('keydown', (event) => {
      // Enter sends, Shift+Enter starts a new line: what chat users expect.
      if (event.key === 'Enter' && !event.shiftKey) {
        event.preventDefault();
        ui.compose.requestSubmit();
      }
    });
    ui.compose.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.sendMessage();
    });
    ui.human.addEventListener('click', () => void this.askForPerson());
    ui.emailForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.leaveEmail();
    });
    ui.ratingForm.addEventListener('submit', (event) => {
      event.preventDefault();
      const score = Number((event.submitter as HTMLButtonElement | null)?.value);
      if (score >= 1 && score <= 5) void this.rate(score);
    });
    void this.refresh();
    void this.follow();
    setInterval(() => {
      if (this.status === 'handoff') void this.refresh();
    }, HANDOFF_REFRESH_MS);
  }

  private open(): void {
    this.ui.panel.hidden = false;
    this.ui.launcher.setAttribute('aria-expanded', 'true');
    this.ui.text.focus();
  }

  private close(): void {
    this.ui.panel.hidden = true;
    this.ui.launcher.setAttribute('aria-expanded', 'false');
    this.ui.launcher.focus();
  }

  private nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}-${Date.now().toString(36)}-${this.counter}-${Math.random().toString(36).slice(2, 8)}`;
  }

  private async sendMessage(): Promise<void> {
    const text = this.ui.text.value.trim();
    if (!text) return;
    const messageId = this.nextId('w');
    this.show({ id: messageId, role: 'customer', text, at: new Date().toISOString() });
    this.ui.text.value = '';
    await this.act(this.api.POST('/v1/conversations/{conversationId}/messages', { ...this.path, body: { messageId, text } }));
  }

  private async askForPerson(): Promise<void> {
    await this.act(this.api.POST('/v1/conversations/{conversationId}/human', { ...this.path, body: { requestId: this.nextId('h') } }));
  }

  /** Shows a reply that came back with the request (the stream brings it too; shown once). */
  private async act(request: Promise<{ data?: Outcome; error?: unknown; response: Response }>): Promise<void> {
    this.busy(true);
    try {
      const { data, error, response } = await request;
      if (error || !data) return this.fail(response.status, error);
      if ('reply' in data && data.reply) this.show(data.reply);
      await this.refresh();
    } catch {
      this.say('The connection failed; please try again.');
    } finally {
      this.busy(false);
    }
  }

  private async leaveEmail(): Promise<void> {
    const { error, response } = await this.api.POST('/v1/conversations/{conversationId}/email', {
      ...this.path,
      body: { requestId: this.nextId('e'), email: this.ui.email.value.trim() },
    });
    if (error) return this.fail(response.status, error);
    await this.refresh();
  }

  private async rate(score: number): Promise<void> {
    const { error, response } = await this.api.POST('/v1/conversations/{conversationId}/rating', { ...this.path, body: { score } });
    if (error) return this.fail(response.status, error);
    this.ui.ratingForm.hidden = true;
    this.say(`Thanks for rating us ${score} out of 5.`);
  }

  /** The conversation's state: the wait for a person, whether to ask for an email or a rating. */
  private async refresh(): Promise<void> {
    const { data } = await this.api.GET('/v1/conversations/{conversationId}', this.path);
    if (!data) return;
    const { ui } = this;
    const wait = data.prompts?.personWait;
    ui.status.textContent = !wait
      ? ''
      : wait.staffedNow
        ? `A person will join; usually within ${wait.withinMinutes} minutes.`
        : wait.notice;
    ui.emailForm.hidden = !data.prompts?.askForEmail;
    ui.ratingForm.hidden = !data.prompts?.askForRating;
    this.status = data.status;
    const closed = data.status === 'closed';
    ui.text.disabled = closed;
    ui.send.disabled = closed;
    ui.human.disabled = closed || data.status === 'handoff';
  }

  /** Follows the event stream for as long as the token is valid, resuming where it left off. */
  private async follow(): Promise<void> {
    while (Date.parse(this.session.expiresAt) > Date.now()) {
      try {
        const { data, response } = await this.api.GET('/v1/conversations/{conversationId}/events', {
          ...this.path,
          headers: { 'last-event-id': String(this.received) },
          parseAs: 'stream',
        });
        if (response.status === 401 || response.status === 403) break;
        if (data) {
          for await (const event of readEvents(data)) {
            this.received = Math.max(this.received, Number(event.id ?? this.received));
            const message = JSON.parse(event.data) as Message;
            this.show(message);
            if (message.role !== 'customer') void this.refresh();
          }
        }
      } catch {
        // The stream dropped (network, deploy): reconnect after a pause.
      }
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
    }
    this.say('This chat session has expired. Reload the page to continue.');
    this.ui.text.disabled = true;
    this.ui.send.disabled = true;
  }

  private show(message: Message): void {
    if (this.shown.has(message.id)) return;
    this.shown.add(message.id);
    const item = document.createElement('li');
    item.className = `msg ${message.role}`;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = WHO[message.role];
    const text = document.createElement('p');
    text.textContent = message.text;
    item.append(who, text);
    if (message.citations?.length) item.append(this.citations(message.citations));
    this.ui.log.append(item);
    item.scrollIntoView({ block: 'end' });
  }

  private citations(articleIds: string[]): HTMLElement {
    const list = document.createElement('ul');
    list.className = 'citations';
    list.setAttribute('aria-label', 'Sources');
    for (const articleId of articleIds) {
      const entry = document.createElement('li');
      const link = document.createElement(this.articleUrl ? 'a' : 'span');
      link.textContent = articleId;
      if (link instanceof HTMLAnchorElement && this.articleUrl) {
        link.href = this.articleUrl.replace('{articleId}', encodeURIComponent(articleId));
        link.target = '_blank';
        link.rel = 'noopener';
      }
      entry.append(link);
      list.append(entry);
    }
    return list;
  }

  private busy(on: boolean): void {
    this.ui.send.disabled = on || this.ui.text.disabled;
    this.ui.compose.setAttribute('aria-busy', String(on));
  }

  private fail(status: number, error: unknown): void {
    const message = (error as { error?: { message?: string } } | undefined)?.error?.message;
    this.say(status === 401 ? 'This chat session has expired. Reload the page to continue.' : (message ?? 'Something went wrong; please try again.'));
  }

  private say(text: string): void {
    this.ui.notice.textContent = text;
  }
}
