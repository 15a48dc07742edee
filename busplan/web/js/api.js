// The service's REST endpoints. Errors arrive as problem+json and become ApiProblem.

import { errorWords } from "./words.js";

export class ApiProblem extends Error {
  constructor(status, body) {
    const code = body.code || (status ? `HTTP_${status}` : "NETWORK");
    super(body.detail || errorWords(code));
    this.status = status;
    this.code = code;
    this.detail = body.detail || "";
    this.errors = Array.isArray(body.errors) ? body.errors : [];
    /** Made by the page itself (already in the page's language), not sent by the server. */
    this.fromPage = Boolean(body.fromPage);
  }

  /** The error in words: what happened, then the server's detail if it adds anything. */
  get words() {
    return errorWords(this.code);
  }
}

async function call(path, init = {}) {
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiProblem(0, { code: "NETWORK" });
  }
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    throw new ApiProblem(response.status, typeof body === "object" ? body : { detail: body });
  }
  return body;
}

const job = (id) => `/jobs/${encodeURIComponent(id)}`;

export const api = {
  importFiles(files) {
    const form = new FormData();
    for (const file of files) form.append("files", file, file.name);
    return call("/problems/import", { method: "POST", body: form });
  },
  submit(body) {
    return call("/optimize-async", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  },
  job: (id) => call(job(id)),
  result: (id) => call(`${job(id)}/result`),
  problem: (id) => call(`${job(id)}/problem`),
  cancel: (id) => call(job(id), { method: "DELETE" }),
  jobs: (limit, offset) => call(`/jobs?limit=${limit}&offset=${offset}`),
  bells: (id) => call(`${job(id)}/bells`),
  scenarios: (id) => call(`${job(id)}/scenarios?limit=200`),
  runScenario(id, body) {
    return call(`${job(id)}/scenarios`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  },
};

/** A job's timetables as a file, in the page's language. */
export function exportUrl(id, kind, lang) {
  return `${job(id)}/export.${kind}${lang ? `?lang=${encodeURIComponent(lang)}` : ""}`;
}
