// The day as a Gantt chart: one row per bus, trips as bars (entries and exits in their own
// colours), the empty drive before a trip as a hatched bar, moved bells labelled with their
// shift, and tight connections flagged.

import { h } from "../dom.js";
import { formatClock, formatMinutes, formatShift } from "../format.js";
import { t } from "../i18n.js";

const KIND = { entry: "entry", exit: "exit" };

export function renderTimeline(buses, { selected, onSelect }) {
  const { from, to } = span(buses);
  const pct = (minutes) => `${((minutes - from) / (to - from)) * 100}%`;
  const hours = [];
  for (let m = from; m <= to; m += 60) hours.push(m);
  const grid = () => hours.map((m) => h("span", { class: "tl-hour", style: { left: pct(m) } }));

  const axis = h(
    "div",
    { class: "tl-axis", "aria-hidden": "true" },
    h("div", { class: "tl-name" }),
    h(
      "div",
      { class: "tl-track" },
      hours.map((m, n) =>
        h(
          "span",
          { class: `tl-tick${n % 2 ? " odd" : ""}`, style: { left: pct(m) } },
          formatClock(m),
        ),
      ),
    ),
  );
  const rows = buses.map((bus) => {
    const button = h(
      "button",
      {
        type: "button",
        class: "tl-bus",
        "aria-pressed": String(bus.id === selected),
        "aria-label": t("timeline.bus_label", {
          bus: bus.id,
          count: bus.legs.length,
          span: describe(bus),
        }),
      },
      h("span", { class: "tl-bus-id" }, bus.id),
      h("span", { class: "tl-bus-count", "aria-hidden": "true" }, bus.legs.length),
    );
    button.addEventListener("click", () => onSelect(bus.id));
    const track = h(
      "div",
      { class: "tl-track" },
      grid(),
      bus.legs.map((leg) => bars(leg, pct)),
    );
    track.addEventListener("click", () => onSelect(bus.id));
    return h(
      "li",
      { class: `tl-row${bus.id === selected ? " selected" : ""}`, "data-bus": bus.id },
      h("div", { class: "tl-name" }, button),
      track,
    );
  });
  return h(
    "div",
    { class: "timeline", "data-testid": "timeline" },
    axis,
    h("ol", { class: "tl-rows", "aria-label": t("figure.buses") }, rows),
  );
}

function span(buses) {
  let from = Infinity;
  let to = -Infinity;
  for (const bus of buses) {
    for (const leg of bus.legs) {
      from = Math.min(from, leg.start - leg.deadhead);
      to = Math.max(to, leg.end);
    }
  }
  if (!Number.isFinite(from)) return { from: 6 * 60, to: 20 * 60 };
  return {
    from: Math.floor(from / 60) * 60,
    to: Math.max(Math.ceil(to / 60) * 60, Math.floor(from / 60) * 60 + 60),
  };
}

function bars(leg, pct) {
  const out = [];
  const kind = KIND[leg.trip?.kind] || "other";
  if (leg.deadhead > 0) {
    out.push(
      h("span", {
        class: "tl-deadhead",
        style: {
          left: pct(leg.start - leg.deadhead),
          width: `calc(${pct(leg.start)} - ${pct(leg.start - leg.deadhead)})`,
        },
        title: t("timeline.empty_before", { time: formatMinutes(leg.deadhead), trip: leg.id }),
      }),
    );
  }
  const classes = ["tl-trip", kind];
  if (leg.shift) classes.push("shifted");
  if (leg.tight) classes.push("tight");
  const bell = leg.trip?.time
    ? ` · ${t("timeline.bell", { time: formatClock(bellMinutes(leg)) })}`
    : "";
  const notes = [
    leg.shift ? t("timeline.moved", { shift: formatShift(leg.shift) }) : "",
    leg.tight ? t("timeline.tight", { spare: formatMinutes(leg.spare) }) : "",
  ].filter(Boolean);
  out.push(
    h(
      "span",
      {
        class: classes.join(" "),
        style: { left: pct(leg.start), width: `calc(${pct(leg.end)} - ${pct(leg.start)})` },
        title: `${leg.id} · ${kindWords(leg)} · ${formatClock(leg.start)}–${formatClock(leg.end)}${bell}${notes.length ? ` · ${notes.join(" · ")}` : ""}`,
      },
      leg.shift ? h("span", { class: "tl-shift" }, shortShift(leg.shift)) : null,
    ),
  );
  if (leg.tight) {
    out.push(
      h(
        "span",
        {
          class: "tl-tight",
          style: { left: pct(leg.start) },
          title: t("timeline.tight_before", { trip: leg.id, spare: formatMinutes(leg.spare) }),
        },
        "!",
      ),
    );
  }
  return out;
}

/** The official time: the planned end of an entry (or start of an exit) minus the shift. */
function bellMinutes(leg) {
  return (leg.trip?.kind === "exit" ? leg.start : leg.end) - leg.shift;
}

function kindWords(leg) {
  return KIND[leg.trip?.kind] ? t(`kind.${leg.trip.kind}`) : "";
}

/** A moved bell on a bar: "+2", "\u22121:52" (whole minutes, else minutes:seconds). */
function shortShift(minutes) {
  const seconds = Math.round(Math.abs(minutes) * 60);
  const mm = Math.floor(seconds / 60);
  const ss = seconds % 60;
  const text = ss ? `${mm}:${String(ss).padStart(2, "0")}` : `${mm}`;
  return minutes > 0 ? `+${text}` : `\u2212${text}`;
}

function describe(bus) {
  if (!bus.legs.length) return t("timeline.no_trips");
  const first = bus.legs[0];
  const last = bus.legs[bus.legs.length - 1];
  return t("time.range", { from: formatClock(first.start), to: formatClock(last.end) });
}

export function legend() {
  const item = (cls, text) =>
    h("li", {}, h("span", { class: `swatch ${cls}`, "aria-hidden": "true" }), text);
  return h(
    "ul",
    { class: "legend", "aria-label": t("legend.label") },
    item("entry", t("legend.entry")),
    item("exit", t("legend.exit")),
    item("deadhead", t("legend.deadhead")),
    item("shifted", t("legend.shifted")),
    item("tight", t("legend.tight")),
  );
}
