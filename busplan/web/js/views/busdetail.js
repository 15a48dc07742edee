// One bus of one day: its trips on a map (Leaflet) and in a table. When map tiles cannot be
// loaded, routes and stops are still drawn, on a plain background.

import { h } from "../dom.js";
import {
  clockMinutes,
  formatClock,
  formatMinutes,
  formatShift,
  shortDayName,
} from "../format.js";
import { t } from "../i18n.js";
import { busWeek, tripPoints } from "./plan.js";

const COLOURS = { entry: "#1b5fae", exit: "#b14a0b", other: "#5b3c88", deadhead: "#5c6670" };
const kindWords = (kind) => (kind === "entry" || kind === "exit" ? t(`kind.${kind}`) : "");

export function renderBusDetail(bus, { dayLabel, depots = new Map(), result = null, days = [] }) {
  const mapBox = h("div", {
    class: "map",
    "data-testid": "bus-map",
    role: "img",
    "aria-label": t("bus.map_label", { bus: bus.id }),
  });
  const note = h("p", { class: "map-note muted", "aria-live": "polite" });
  const drive = bus.legs.reduce((sum, leg) => sum + leg.deadhead, 0);
  const first = bus.legs[0];
  const last = bus.legs[bus.legs.length - 1];
  const section = h(
    "section",
    { class: "panel bus-detail", "aria-labelledby": "bus-title", "data-testid": "bus-detail" },
    h("h2", { id: "bus-title", tabindex: "-1" }, t("bus.title", { bus: bus.id, day: dayLabel })),
    h(
      "p",
      { class: "muted" },
      [
        t("count.trips", { count: bus.legs.length }),
        first ? t("time.range", { from: formatClock(first.start), to: formatClock(last.end) }) : "",
        t("bus.empty_driving", { time: formatMinutes(drive) }),
      ]
        .filter(Boolean)
        .join(" · "),
    ),
    busFacts(bus, depots),
    h("div", { class: "bus-grid" }, h("div", { class: "map-wrap" }, mapBox, note), tripTable(bus)),
    result ? weekGrid(bus.id, result, days) : null,
  );
  let map = null;
  return {
    element: section,
    /** Call once the section is in the page: Leaflet measures its container. */
    mount() {
      map = drawMap(mapBox, note, bus, depots);
    },
    remove() {
      if (map) map.remove();
    },
  };
}

function depotName(id, depots) {
  const depot = depots.get(id);
  return depot ? depot.name || depot.id : id;
}

/** Where the bus sleeps, which vehicle it is, and the driver's day: what a version 2 plan
 * says of each bus. Nothing is shown for a plan without these figures. */
function busFacts(bus, depots) {
  const p = bus.plan || {};
  const facts = [];
  const fact = (key, label, value) =>
    facts.push(
      h(
        "div",
        { class: "fact", "data-testid": `bus-${key}` },
        h("dt", {}, label),
        h("dd", {}, value),
      ),
    );
  if (p.depot) fact("depot", t("bus.depot"), depotName(p.depot, depots));
  if (p.vehicle || typeof p.seats === "number") {
    const seats = typeof p.seats === "number" ? t("bus.seats", { count: p.seats }) : "";
    fact("vehicle", t("bus.vehicle"), [p.vehicle, seats].filter(Boolean).join(" · "));
  }
  const first = p.first_start ? clockMinutes(p.first_start) : bus.legs[0]?.start;
  const last = p.last_end ? clockMinutes(p.last_end) : bus.legs[bus.legs.length - 1]?.end;
  if (p.depot && typeof p.pull_out_min === "number" && first !== undefined) {
    fact(
      "leaves",
      t("bus.leaves"),
      t("bus.leaves_value", {
        time: formatClock(first - p.pull_out_min),
        pull: formatMinutes(p.pull_out_min),
      }),
    );
  }
  if (p.depot && typeof p.pull_in_min === "number" && last !== undefined) {
    fact(
      "returns",
      t("bus.returns"),
      t("bus.returns_value", {
        time: formatClock(last + p.pull_in_min),
        pull: formatMinutes(p.pull_in_min),
      }),
    );
  }
  if (typeof p.spread_min === "number") {
    fact("spread", t("bus.spread"), formatMinutes(p.spread_min));
  }
  if (typeof p.drive_min === "number") {
    fact("drive", t("bus.drive"), t("bus.drive_value", { time: formatMinutes(p.drive_min) }));
  }
  return facts.length ? h("dl", { class: "bus-facts", "data-testid": "bus-facts" }, facts) : null;
}

/** The bus over the week: its trips (rows) by day (columns). A mark where this bus drives the
 * trip; where another bus drives it that day, that bus's id, and the row is flagged. */
function weekGrid(busId, result, days) {
  const { rows, runs } = busWeek(result, busId, days);
  if (!rows.length) return null;
  const moving = rows.filter((r) => r.moves).length;
  const cell = (c) => {
    if (c.state === "here") {
      const words = t("week.on_bus");
      return h("td", { class: "wk here", title: words }, h("span", { "aria-label": words }, "●"));
    }
    if (c.state === "other") {
      return h("td", { class: "wk other", title: t("week.other_bus", { bus: c.bus }) }, c.bus);
    }
    if (c.state === "unassigned") {
      return h("td", { class: "wk unassigned", title: t("week.unassigned") }, "!");
    }
    return h("td", { class: "wk off", title: t("week.not_run") }, "");
  };
  return h(
    "section",
    { class: "bus-week", "aria-labelledby": "week-title", "data-testid": "bus-week" },
    h("h3", { id: "week-title" }, t("week.title", { bus: busId })),
    h(
      "p",
      { class: "muted" },
      moving
        ? t("week.summary_moves", { count: moving, total: rows.length })
        : t("week.summary_same", { count: rows.length }),
      " ",
      t("week.help"),
    ),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data week-grid" },
        h("caption", { class: "visually-hidden" }, t("week.caption", { bus: busId })),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("week.col_trip")),
            h("th", { scope: "col", class: "num" }, t("week.col_time")),
            days.map((d) =>
              h("th", { scope: "col", class: runs.has(d) ? "day" : "day idle" }, shortDayName(d)),
            ),
            h("th", { scope: "col" }, t("week.col_note")),
          ),
        ),
        h(
          "tbody",
          {},
          rows.map((r) =>
            h(
              "tr",
              { class: r.moves ? "moves" : "", "data-trip": r.id },
              h("th", { scope: "row" }, r.id),
              h("td", { class: "num" }, formatClock(r.start)),
              r.cells.map(cell),
              h(
                "td",
                {},
                r.moves ? h("span", { class: "badge badge-bad" }, t("week.moves")) : "",
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function tripTable(bus) {
  const rows = bus.legs.map((leg, n) => {
    const trip = leg.trip || {};
    return h(
      "tr",
      { class: leg.tight ? "tight" : "" },
      h("td", { class: "num" }, n + 1),
      h("th", { scope: "row" }, leg.id),
      h(
        "td",
        {},
        h("span", { class: `kind ${trip.kind || ""}` }, kindWords(trip.kind)),
      ),
      h("td", {}, trip.school ? trip.school.name || trip.school.id : ""),
      h("td", { class: "num" }, formatClock(leg.start)),
      h("td", { class: "num" }, formatClock(leg.end)),
      h("td", { class: "num" }, leg.shift ? h("strong", {}, formatShift(leg.shift)) : "—"),
      h("td", { class: "num" }, n ? formatMinutes(leg.deadhead) : "—"),
      h(
        "td",
        { class: "num" },
        leg.spare === null ? "—" : formatMinutes(leg.spare),
        leg.tight ? h("span", { class: "badge badge-bad" }, ` ${t("bus.tight")}`) : null,
      ),
    );
  });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data", "data-testid": "bus-trips" },
      h("caption", { class: "visually-hidden" }, t("bus.caption", { bus: bus.id })),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ...["n", "trip", "direction", "school", "start", "end", "moved", "empty", "spare"].map(
            (k) => h("th", { scope: "col" }, t(`bus.col_${k}`)),
          ),
        ),
      ),
      h("tbody", {}, rows),
    ),
  );
}

function meta(name) {
  const node = document.querySelector(`meta[name="${name}"]`);
  return node ? node.content : "";
}

function drawMap(box, note, bus, depots) {
  const L = window.L;
  if (!L) {
    box.classList.add("plain");
    note.textContent = t("map.no_map");
    return null;
  }
  const map = L.map(box, { zoomSnap: 0.25, scrollWheelZoom: false, zoomControl: false });
  L.control.zoom({ zoomInTitle: t("map.zoom_in"), zoomOutTitle: t("map.zoom_out") }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  const tiles = meta("busplan-tiles");
  if (tiles) {
    const layer = L.tileLayer(tiles, {
      maxZoom: 18,
      attribution: meta("busplan-tiles-attribution"),
    });
    // One failed tile means no tile server: stop asking, keep drawing on a plain background.
    layer.once("tileerror", () => {
      map.removeLayer(layer);
      box.classList.add("plain");
      note.textContent = t("map.no_tiles");
    });
    layer.addTo(map);
  } else {
    box.classList.add("plain");
  }
  const bounds = [];
  let previousEnd = null;
  bus.legs.forEach((leg, n) => {
    const points = tripPoints(leg.trip);
    if (!points.length) return;
    const colour = COLOURS[leg.trip?.kind] || COLOURS.other;
    const line = points.map((p) => [p.lat, p.lon]);
    bounds.push(...line);
    if (previousEnd) {
      L.polyline([previousEnd, line[0]], {
        color: COLOURS.deadhead,
        weight: 3,
        dashArray: "6 6",
        opacity: 0.9,
      })
        .bindTooltip(t("map.empty_to", { trip: leg.id, time: formatMinutes(leg.deadhead) }))
        .addTo(map);
    }
    L.polyline(line, { color: colour, weight: 5, opacity: 0.85 })
      .bindTooltip(
        `${n + 1}. ${leg.id} (${kindWords(leg.trip?.kind)}) ${formatClock(leg.start)}–${formatClock(leg.end)}`,
      )
      .addTo(map);
    points.forEach((p, k) => {
      const school = leg.trip?.kind === "exit" ? k === 0 : k === points.length - 1;
      L.circleMarker([p.lat, p.lon], {
        radius: school ? 7 : 4,
        color: colour,
        weight: 2,
        fillColor: school ? colour : "#ffffff",
        fillOpacity: 1,
      })
        .bindTooltip(
          `${p.name || t("map.stop")}${school ? ` (${t("map.school")})` : ""} · ${leg.id}`,
        )
        .addTo(map);
    });
    // The trip's number in the table, at its first stop: where the bus goes next.
    L.marker(line[0], {
      icon: L.divIcon({ className: "trip-number", html: String(n + 1), iconSize: [20, 20] }),
      keyboard: false,
      interactive: false,
    }).addTo(map);
    previousEnd = line[line.length - 1];
  });
  const labelled = drawDepots(L, map, bus, depots, bounds);
  // Depot names are written to the right of their mark: room for them on that side.
  const padding = { paddingTopLeft: [24, 24], paddingBottomRight: [labelled ? 110 : 24, 24] };
  if (bounds.length) map.fitBounds(bounds, { ...padding, maxZoom: 16 });
  else {
    map.setView([0, 0], 1);
    note.textContent = t("map.no_points");
  }
  return map;
}

/** Every depot with coordinates as a labelled square; the bus's own depot stands out, with its
 * pull-out to the first stop and its pull-in from the last one drawn as dotted lines. */
function drawDepots(L, map, bus, depots, bounds) {
  const plan = bus.plan || {};
  const placed = (d) => d && Number.isFinite(d.lat) && Number.isFinite(d.lon);
  let drawn = 0;
  for (const depot of depots.values()) {
    if (!placed(depot)) continue;
    const own = depot.id === plan.depot;
    const label = document.createElement("span");
    label.textContent = depot.name || depot.id;
    const icon = L.divIcon({
      className: own ? "depot-marker own" : "depot-marker",
      html: label.outerHTML,
      iconSize: null,
      iconAnchor: [8, 8],
    });
    const title = t("map.depot", { name: depot.name || depot.id });
    L.marker([depot.lat, depot.lon], { icon, keyboard: false, title }).addTo(map);
    bounds.push([depot.lat, depot.lon]);
    drawn += 1;
  }
  const home = depots.get(plan.depot);
  if (!placed(home) || !bus.legs.length) return drawn > 0;
  const start = tripPoints(bus.legs[0].trip)[0];
  const lastPoints = tripPoints(bus.legs[bus.legs.length - 1].trip);
  const end = lastPoints[lastPoints.length - 1];
  const style = { color: "#1c2430", weight: 3, dashArray: "2 6", opacity: 0.9 };
  if (start) {
    const time = formatMinutes(plan.pull_out_min || 0);
    L.polyline(
      [
        [home.lat, home.lon],
        [start.lat, start.lon],
      ],
      { ...style, className: "pull pull-out" },
    )
      .bindTooltip(t("map.pull_out", { trip: bus.legs[0].id, time }))
      .addTo(map);
  }
  if (end) {
    L.polyline(
      [
        [end.lat, end.lon],
        [home.lat, home.lon],
      ],
      { ...style, className: "pull pull-in" },
    )
      .bindTooltip(t("map.pull_in", { time: formatMinutes(plan.pull_in_min || 0) }))
      .addTo(map);
  }
  return drawn > 0;
}
