// The live progress of one job over its WebSocket. A dropped connection is reopened by itself
// with `last_seq`, so the server replays exactly the events missed while offline.

const RETRY_MS = [500, 1000, 2000, 3000, 5000];
const PING_MS = 25000;

/** A message after which nothing more will come for this job. */
function isFinal(message) {
  if (message.type === "completed") return true;
  // Errors from the job's log carry a seq; a reply to a bad request does not, and is not final.
  return message.type === "error" && ("seq" in message || message.error_code === "JOB_NOT_FOUND");
}

export class JobFeed {
  /**
   * @param {string} jobId
   * @param {{onMessage: (m: object) => void, onConnection: (state: string, info: object) => void}} handlers
   *   `state` is "connecting", "live", "offline" (a retry is scheduled) or "closed".
   */
  constructor(jobId, handlers) {
    this.jobId = jobId;
    this.handlers = handlers;
    this.lastSeq = null;
    this.attempt = 0;
    this.socket = null;
    this.stopped = false;
    this.finished = false;
    this.retryTimer = null;
    this.pingTimer = null;
    this.onOnline = () => this.retryNow();
  }

  start() {
    window.addEventListener("online", this.onOnline);
    this.open();
    return this;
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close(1000, "leaving");
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const base = `${scheme}//${location.host}/ws/optimize/${encodeURIComponent(this.jobId)}`;
    return this.lastSeq === null ? base : `${base}?last_seq=${this.lastSeq}`;
  }

  open() {
    this.handlers.onConnection(this.attempt ? "reconnecting" : "connecting", this.info());
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return;
      const resumed = this.attempt > 0;
      this.attempt = 0;
      this.handlers.onConnection("live", { ...this.info(), resumed });
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ action: "ping" }), PING_MS);
    });
    socket.addEventListener("message", (event) => {
      if (this.socket === socket) this.receive(event.data);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      clearInterval(this.pingTimer);
      if (this.stopped || this.finished) return;
      if (event.code === 4404) {
        this.handlers.onConnection("closed", this.info());
        return;
      }
      this.scheduleRetry();
    });
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message.type === "status" && this.lastSeq === null && Number.isInteger(message.last_seq)) {
      this.lastSeq = message.last_seq;
    }
    if (Number.isInteger(message.seq)) {
      // A replayed progress event already seen before the connection dropped.
      if (!isFinal(message) && this.lastSeq !== null && message.seq <= this.lastSeq) return;
      this.lastSeq = Math.max(this.lastSeq ?? 0, message.seq);
    }
    if (isFinal(message)) {
      this.finished = true;
      window.removeEventListener("online", this.onOnline);
    }
    this.handlers.onMessage(message);
    if (this.finished) this.stop();
  }

  send(request) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(request));
    }
  }

  scheduleRetry() {
    const delay = RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)];
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.handlers.onConnection("offline", this.info());
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  retryNow() {
    if (this.socket || this.stopped || this.finished) return;
    clearTimeout(this.retryTimer);
    this.open();
  }

  info() {
    return { attempt: this.attempt, lastSeq: this.lastSeq, retryAt: this.retryAt };
  }
}
