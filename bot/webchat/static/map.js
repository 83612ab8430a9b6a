// The map picker: the city's districts, streets and communities from /api/map drawn as inline SVG.
// Projection: equirectangular around the city's middle latitude (x = Δlon·cos φ0·k, y = Δlat·k);
// a click is turned back into latitude and longitude by inverting it. Zoom (wheel, buttons) and
// drag-to-pan change the viewBox only. The <svg> carries data-west, data-north, data-kx and
// data-scale so the projection can be checked from outside (tests/integration/test_webchat.py).
"use strict";

window.CityMapPicker = (() => {
  const NS = "http://www.w3.org/2000/svg";
  const WIDTH = 1000;
  const NEAR_METRES = 800;
  const MAX_ZOOM = 16;
  const DRAG_PIXELS = 6;
  const HOVER_HINT = "把鼠标移到地图上可以看到街道和社区，点击选择问题所在的位置；可以放大、拖动地图。";
  const OUTSIDE = "这里不在本市的受理范围内，请在有颜色的区域内选择。";
  const FAILED = "地图暂时无法加载，您可以直接输入地址，例如“五邑路东湖公园门口”。";

  const $ = (id) => document.getElementById(id);
  let loading = null;
  let projection = null;
  let places = [];
  let choice = null;
  let onConfirm = null;
  let full = null; // the whole city, in SVG units
  let view = null; // what the viewBox shows now
  let drag = null;
  let dragged = false;

  function svgElement(name, attributes) {
    const element = document.createElementNS(NS, name);
    for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, value);
    return element;
  }

  function project(bbox) {
    const [w0, s0, e0, n0] = bbox;
    const padX = (e0 - w0) * 0.02;
    const padY = (n0 - s0) * 0.02;
    const west = w0 - padX;
    const east = e0 + padX;
    const south = s0 - padY;
    const north = n0 + padY;
    const kx = Math.cos((((south + north) / 2) * Math.PI) / 180);
    const scale = WIDTH / ((east - west) * kx);
    return {
      west, north, kx, scale, height: (north - south) * scale,
      x: (lon) => (lon - west) * kx * scale,
      y: (lat) => (north - lat) * scale,
      lon: (x) => west + x / (kx * scale),
      lat: (y) => north - y / scale,
    };
  }

  function pathData(geometry) {
    const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons
      .flat()
      .map((ring) => "M" + ring.map(([lon, lat]) => `${projection.x(lon).toFixed(2)},${projection.y(lat).toFixed(2)}`).join("L") + "Z")
      .join("");
  }

  function draw(doc) {
    const svg = $("map");
    projection = project(doc.bbox);
    places = doc.places || [];
    svg.replaceChildren();
    full = { x: 0, y: 0, w: WIDTH, h: projection.height };
    Object.assign(svg.dataset, {
      west: projection.west, north: projection.north, kx: projection.kx, scale: projection.scale,
    });
    svg.appendChild(svgElement("rect", { x: 0, y: 0, width: WIDTH, height: projection.height, fill: "#dfe9f0" }));
    for (const level of ["street", "community", "district"]) {
      for (const feature of doc.features.filter((f) => f.properties.level === level)) {
        const p = feature.properties;
        const path = svgElement("path", { d: pathData(feature.geometry), class: level, "fill-rule": "evenodd" });
        Object.assign(path.dataset, { level, name: p.name, district: p.district, street: p.street || "" });
        const title = svgElement("title");
        title.textContent = level === "community" ? `${p.street} ${p.name}` : p.name;
        path.appendChild(title);
        svg.appendChild(path);
      }
    }
    for (const place of places) {
      svg.appendChild(svgElement("circle", {
        class: "place", cx: projection.x(place.longitude), cy: projection.y(place.latitude), r: 3,
      }));
    }
    svg.appendChild(svgElement("circle", { id: "map-marker", class: "marker", r: 7, visibility: "hidden" }));
    show(full);
  }

  // ---- zoom and pan: the viewBox moves, the projection stays; getScreenCTM() accounts for both.

  function show(next) {
    const w = Math.min(full.w, Math.max(full.w / MAX_ZOOM, next.w));
    const h = (w * full.h) / full.w;
    const x = Math.min(full.x + full.w - w, Math.max(full.x, next.x));
    const y = Math.min(full.y + full.h - h, Math.max(full.y, next.y));
    view = { x, y, w, h };
    $("map").setAttribute("viewBox", `${x.toFixed(2)} ${y.toFixed(2)} ${w.toFixed(2)} ${h.toFixed(2)}`);
    // Dots and the marker keep their size on screen at any zoom.
    const perPixel = w / ($("map").getBoundingClientRect().width || full.w);
    for (const dot of $("map").querySelectorAll("circle.place")) dot.setAttribute("r", (3 * perPixel).toFixed(3));
    $("map-marker").setAttribute("r", (8 * perPixel).toFixed(3));
  }

  function zoom(factor, cx, cy) {
    if (!view) return;
    const w = view.w / factor;
    const h = view.h / factor;
    const px = cx === undefined ? view.x + view.w / 2 : cx;
    const py = cy === undefined ? view.y + view.h / 2 : cy;
    show({ x: px - ((px - view.x) * w) / view.w, y: py - ((py - view.y) * h) / view.h, w, h });
  }

  function wheel(event) {
    if (!view) return;
    event.preventDefault();
    const p = pointOf(event);
    zoom(event.deltaY < 0 ? 1.5 : 1 / 1.5, p.x, p.y);
  }

  function pointerDown(event) {
    if (!view) return;
    drag = { id: event.pointerId, startX: event.clientX, startY: event.clientY, x: view.x, y: view.y };
    dragged = false;
  }

  function pointerMove(event) {
    if (!drag || drag.id !== event.pointerId) return;
    const dx = event.clientX - drag.startX;
    const dy = event.clientY - drag.startY;
    if (!dragged && Math.hypot(dx, dy) < DRAG_PIXELS) return;
    dragged = true;
    const unitsPerPixel = view.w / $("map").getBoundingClientRect().width;
    show({ x: drag.x - dx * unitsPerPixel, y: drag.y - dy * unitsPerPixel, w: view.w, h: view.h });
  }

  function pointerUp() {
    drag = null;
  }

  function areaOf(target) {
    const d = target && target.dataset;
    if (!d || !d.level || d.level === "district") return null;
    return d.level === "community"
      ? { district: d.district, street: d.street, community: d.name }
      : { district: d.district, street: d.name, community: "" };
  }

  function nearest(lat, lon) {
    let best = null;
    let bestMetres = NEAR_METRES;
    for (const place of places) {
      const dy = (place.latitude - lat) * 111320;
      const dx = (place.longitude - lon) * 111320 * projection.kx;
      const metres = Math.hypot(dx, dy);
      if (metres < bestMetres) {
        best = place;
        bestMetres = metres;
      }
    }
    return best;
  }

  function describe(area, lat, lon) {
    const near = nearest(lat, lon);
    const name = `${area.district}${area.street}${area.community}`;
    return near ? `${name}（${near.name}附近）` : name;
  }

  function pointOf(event) {
    const svg = $("map");
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
    const round = (v) => Math.round(v * 1e6) / 1e6;
    return { x: point.x, y: point.y, lat: round(projection.lat(point.y)), lon: round(projection.lon(point.x)) };
  }

  function hover(event) {
    if (!projection) return;
    const area = areaOf(event.target);
    const p = pointOf(event);
    $("map-hover").textContent = area ? describe(area, p.lat, p.lon) : OUTSIDE;
  }

  function pick(event) {
    if (!projection) return;
    if (dragged) {
      dragged = false; // the end of a drag is no choice
      return;
    }
    const area = areaOf(event.target);
    const p = pointOf(event);
    const marker = $("map-marker");
    const text = $("map-choice");
    if (!area) {
      choice = null;
      marker.setAttribute("visibility", "hidden");
      text.textContent = OUTSIDE;
      text.classList.add("outside");
      $("map-confirm").disabled = true;
      return;
    }
    const label = describe(area, p.lat, p.lon);
    choice = { latitude: p.lat, longitude: p.lon, label };
    marker.setAttribute("cx", p.x);
    marker.setAttribute("cy", p.y);
    marker.setAttribute("visibility", "visible");
    text.classList.remove("outside");
    text.textContent = `已选择：${label}（${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}）`;
    $("map-confirm").disabled = false;
  }

  async function ensureLoaded() {
    if (!loading) {
      loading = fetch("api/map")
        .then(async (response) => {
          const data = await response.json();
          if (!response.ok) throw new Error((data.detail && data.detail.message) || FAILED);
          draw(data);
        })
        .catch((error) => {
          loading = null;
          throw error;
        });
    }
    return loading;
  }

  function reset() {
    choice = null;
    $("map-confirm").disabled = true;
    $("map-choice").textContent = "还没有选择位置。";
    $("map-choice").classList.remove("outside");
    $("map-hover").textContent = HOVER_HINT;
    const marker = $("map-marker");
    if (marker) marker.setAttribute("visibility", "hidden");
  }

  async function open(callback) {
    onConfirm = callback;
    const dialog = $("map-dialog");
    reset();
    if (!dialog.open) dialog.showModal();
    $("map-hover").textContent = "地图加载中…";
    try {
      await ensureLoaded();
      $("map-hover").textContent = HOVER_HINT;
    } catch (error) {
      $("map-hover").textContent = error.message && /[\u4e00-\u9fff]/.test(error.message) ? error.message : FAILED;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const svg = $("map");
    svg.addEventListener("mousemove", hover);
    svg.addEventListener("click", pick);
    svg.addEventListener("wheel", wheel, { passive: false });
    svg.addEventListener("pointerdown", pointerDown);
    svg.addEventListener("pointermove", pointerMove);
    svg.addEventListener("pointerup", pointerUp);
    svg.addEventListener("pointercancel", pointerUp);
    $("map-zoom-in").addEventListener("click", () => zoom(2));
    $("map-zoom-out").addEventListener("click", () => zoom(0.5));
    $("map-reset").addEventListener("click", () => full && show(full));
    $("map-cancel").addEventListener("click", () => $("map-dialog").close());
    $("map-confirm").addEventListener("click", () => {
      if (!choice || !onConfirm) return;
      const picked = choice;
      $("map-dialog").close();
      onConfirm(picked);
    });
  });

  return { open };
})();
