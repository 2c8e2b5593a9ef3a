/* Maillage maps: every element with class "js-map" becomes a Leaflet map.

   Data attributes of the element:
     data-tiles-url, data-tiles-attribution  tile server (from settings MAP_TILES_URL…)
     data-center="lat,lon", data-zoom        initial view
     data-geojson-url                        a GeoJSON FeatureCollection of places to draw
     data-point="lat,lon"                    a single marker (place page), with data-point-label
                                             (its tooltip, shown as text)
     data-fit="true"                         fit the view to the markers once drawn
   Markers are circle markers on Leaflet's canvas renderer, so thousands of places stay smooth
   without a clustering plugin. The last map built is exposed as window.maillageMap (tests count
   its markers); its element gets data-marker-count once the markers are drawn. */
(function () {
  "use strict";

  var STATUS_COLOURS = { open: "#000091", project: "#6a6af4", closed: "#666666" };

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  function parsePair(text) {
    if (!text) { return null; }
    var parts = text.split(",").map(Number);
    return parts.length === 2 && parts.every(isFinite) ? parts : null;
  }

  // Leaflet inserts a string tooltip or popup as HTML: user text always goes in as a DOM node.
  function textElement(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function popupContent(properties, labels, linkText) {
    // Built with DOM nodes rather than HTML strings: names come from imported data.
    var box = document.createElement("div");
    var title = document.createElement("a");
    title.href = properties.url || "/lieux/" + encodeURIComponent(properties.slug) + "/";
    title.textContent = properties.name;
    box.appendChild(title);
    if (properties.city) {
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(properties.city));
    }
    var codes = properties.kinds || [];
    var kinds = (typeof codes === "string" ? codes.split("|") : codes).map(function (code) { return labels[code] || code; });
    if (kinds.length) {
      var line = document.createElement("span");
      line.className = "map-popup-kinds";
      line.textContent = kinds.join(" · ");
      box.appendChild(line);
    }
    var more = document.createElement("a");
    more.href = title.href;
    more.textContent = linkText;
    more.className = "small";
    box.appendChild(more);
    return box;
  }

  function setStatus(element, text) {
    var status = document.getElementById(element.id + "-status");
    if (status) { status.textContent = text; }
  }

  // Overseas places would zoom a French map out to the whole globe: when some markers are in
  // metropolitan France, the view fits those; the others stay one zoom-out away.
  var METROPOLE = L.latLngBounds([41.2, -5.3], [51.2, 9.7]);

  function boundsToShow(layer) {
    var all = layer.getBounds();
    var inside = layer.getLayers().filter(function (marker) {
      return METROPOLE.contains(marker.getLatLng());
    });
    if (!inside.length || METROPOLE.contains(all)) { return all; }
    return L.latLngBounds(inside.map(function (marker) { return marker.getLatLng(); }));
  }

  function drawFeatures(element, map, layer, collection) {
    var labels = readJson("kind-labels");
    var linkText = element.dataset.linkText || "";
    layer.clearLayers();
    (collection.features || []).forEach(function (feature) {
      if (!feature.geometry || feature.geometry.type !== "Point") { return; }
      var coords = feature.geometry.coordinates;
      var properties = feature.properties || {};
      L.circleMarker([coords[1], coords[0]], {
        radius: 6,
        weight: 1.5,
        color: "#ffffff",
        fillColor: STATUS_COLOURS[properties.status] || STATUS_COLOURS.open,
        fillOpacity: 0.9
      })
        .bindPopup(function () { return popupContent(properties, labels, linkText); })
        .addTo(layer);
    });
    var count = layer.getLayers().length;
    element.dataset.markerCount = String(count);
    if (element.dataset.fit === "true" && count) {
      map.fitBounds(boundsToShow(layer), { padding: [24, 24], maxZoom: 13 });
    }
    setStatus(element, (element.dataset.countText || "{n}").replace("{n}", count));
  }

  function load(element, map, layer, url) {
    setStatus(element, element.dataset.loadingText || "");
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (collection) { drawFeatures(element, map, layer, collection); })
      .catch(function () { setStatus(element, element.dataset.errorText || ""); });
  }

  function build(element) {
    var center = parsePair(element.dataset.center) || [46.6, 2.4];
    var map = L.map(element, { preferCanvas: true, scrollWheelZoom: false })
      .setView(center, Number(element.dataset.zoom || 6));
    L.tileLayer(element.dataset.tilesUrl, {
      attribution: element.dataset.tilesAttribution,
      maxZoom: 19
    }).addTo(map);
    // Scroll zoom only once the map has been clicked, so the page scrolls past it.
    map.on("click", function () { map.scrollWheelZoom.enable(); });
    var layer = L.featureGroup().addTo(map);
    var point = parsePair(element.dataset.point);
    if (point) {
      L.circleMarker(point, {
        radius: 9, weight: 2, color: "#ffffff", fillColor: "#e1000f", fillOpacity: 1
      }).bindTooltip(textElement(element.dataset.pointLabel || "")).addTo(layer);
      element.dataset.markerCount = "1";
    }
    element.maillageReload = function (url) { return load(element, map, layer, url); };
    if (element.dataset.geojsonUrl) { element.maillageReload(element.dataset.geojsonUrl); }
    window.maillageMap = map;
    return map;
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".js-map"), build);
  }

  // The list page swaps its results with htmx; the results carry the GeoJSON URL of the
  // current filters, and the map redraws from it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var source = event.target.querySelector("[data-results-geojson]");
    var element = document.getElementById(source ? source.dataset.mapId : "");
    if (source && element && element.maillageReload) {
      element.maillageReload(source.dataset.resultsGeojson);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
