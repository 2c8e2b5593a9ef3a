/* Maps of the analysis pages: every element with class "js-analysis-map" becomes a Leaflet map.

   Data attributes of the element:
     data-map="zones" | "plan"             what to draw
     data-data-id                          id of a <script type="application/json"> with the data
     data-tiles-url, data-tiles-attribution  tile server (from settings MAP_TILES_URL…)
   zones: data is [[lat, lon, uncovered population, name, code], …], drawn as circles whose area
          is proportional to the uncovered population; data-zone-text is the tooltip template.
          With data-existing-url (GeoJSON), the open places counted are drawn in grey, and
          the view covers them with the zones; data-outline-url, the territory's outline.
   plan:  data is the plan's "chosen" list; each site is drawn with its coverage radius
          (data-radius-km), and the open places of data-existing-url (GeoJSON) in grey;
          data-site-text is the tooltip template.
   Sections swapped in by htmx (the territory page's coverage, a plan's progress) are drawn when
   they settle. Tooltips are built as text nodes: names come from imported data. */
(function () {
  "use strict";

  var RED = "#e1000f";
  var GREY = "#666666";

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : match;
    });
  }

  function number(value) {
    return Math.round(value).toLocaleString(document.documentElement.lang || "fr");
  }

  function textNode(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function baseMap(element) {
    var map = L.map(element, { preferCanvas: true, scrollWheelZoom: false }).setView([46.6, 2.4], 6);
    L.tileLayer(element.dataset.tilesUrl, {
      attribution: element.dataset.tilesAttribution,
      maxZoom: 19
    }).addTo(map);
    // Scroll zoom only once the map has been clicked, so the page scrolls past it.
    map.on("click", function () { map.scrollWheelZoom.enable(); });
    return map;
  }

  // The open places of data-existing-url (GeoJSON), small grey dots; the view widens to them
  // (and to data-outline-url, the territory's outline as GeoJSON, when the page gives one).
  function drawExisting(element, map, layer) {
    var urls = [element.dataset.existingUrl, element.dataset.outlineUrl];
    urls.forEach(function (url, index) {
      if (!url) { return; }
      fetch(url, { headers: { Accept: "application/geo+json" } })
        .then(function (response) { return response.ok ? response.json() : { features: [] }; })
        .then(function (collection) {
          if (index === 1) {
            L.geoJSON(collection, { style: { color: "#000091", weight: 2, fill: false }, interactive: false }).addTo(map);
            return;
          }
          var places = L.featureGroup().addTo(map);
          (collection.features || []).forEach(function (feature) {
            var coords = feature.geometry && feature.geometry.coordinates;
            if (!coords) { return; }
            L.circleMarker([coords[1], coords[0]], {
              radius: 4, weight: 1, color: "#ffffff", fillColor: GREY, fillOpacity: 0.9
            }).bindTooltip(textNode((feature.properties || {}).name || "")).addTo(places);
          });
          element.dataset.existingCount = String(places.getLayers().length);
          if (element.dataset.map === "zones" && places.getLayers().length) {
            var bounds = places.getBounds();
            if (layer.getLayers().length) { bounds.extend(layer.getBounds()); }
            map.fitBounds(bounds, { padding: [16, 16], maxZoom: 12, animate: false });
          }
        });
    });
  }

  function drawZones(element, map, zones) {
    var layer = L.featureGroup().addTo(map);
    var largest = zones.reduce(function (max, zone) { return Math.max(max, zone[2]); }, 0) || 1;
    var template = element.dataset.zoneText || "{name}";
    zones.forEach(function (zone) {
      L.circleMarker([zone[0], zone[1]], {
        radius: 3 + 22 * Math.sqrt(zone[2] / largest),
        weight: 1,
        color: RED,
        fillColor: RED,
        fillOpacity: 0.3
      })
        .bindTooltip(textNode(format(template, { name: zone[3], code: zone[4], n: number(zone[2]) })))
        .addTo(layer);
    });
    drawExisting(element, map, layer);
    return layer;
  }

  function drawPlan(element, map, sites) {
    var layer = L.featureGroup().addTo(map);
    var radiusM = Number(element.dataset.radiusKm) * 1000;
    var template = element.dataset.siteText || "{name}";
    sites.forEach(function (site, index) {
      var position = [site.latitude, site.longitude];
      L.circle(position, { radius: radiusM, weight: 1, color: RED, fillOpacity: 0.08 }).addTo(layer);
      L.circleMarker(position, { radius: 8, weight: 2, color: "#ffffff", fillColor: RED, fillOpacity: 1 })
        .bindTooltip(textNode(format(template, { rank: index + 1, name: site.name, n: number(site.gain) })))
        .addTo(layer);
    });
    drawExisting(element, map, layer);
    return layer;
  }

  function build(element) {
    element.dataset.built = "true";
    var source = document.getElementById(element.dataset.dataId);
    var data = source ? JSON.parse(source.textContent) : [];
    var map = baseMap(element);
    var layer = element.dataset.map === "plan" ? drawPlan(element, map, data) : drawZones(element, map, data);
    if (layer.getLayers().length) {
      map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 12, animate: false });
    }
    element.dataset.markerCount = String(data.length);
  }

  function init(root) {
    Array.prototype.forEach.call(
      root.querySelectorAll(".js-analysis-map:not([data-built])"), build
    );
  }

  // The whole document is searched: an outerHTML swap replaces the element the request targeted.
  document.addEventListener("htmx:afterSettle", function () { init(document); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
