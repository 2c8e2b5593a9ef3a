/* Maillage maps: every element with class "js-map" becomes a Leaflet map.

   Data attributes of the element:
     data-tiles-url, data-tiles-attribution  tile server (from settings MAP_TILES_URL…)
     data-center="lat,lon", data-zoom        initial view
     data-clusters-url                       the places of each view, asked again whenever the
                                             map moves (GET /api/v1/places.clusters with the
                                             page's filters; bbox and zoom are added here):
                                             groups of places when zoomed out, places when in
     data-geojson-url                        or: a GeoJSON FeatureCollection of every place
     data-point="lat,lon"                    a single marker (place page), with data-point-label
                                             (its tooltip, shown as text)
     data-fit="true"                         fit the view to the places once known
     data-near="lat,lon", data-radius-km     the centre and radius of a « près de » search
   Each place is drawn with its kind's colour and shape (the "kind-styles" JSON element, the
   same SVG as the HTML legend); groups show their count and zoom in when clicked. Popups are
   built from DOM nodes (names come from imported data) and ask the place's API for whether it
   is open now and its commune.

   Public entry points (other pages rely on them): element.maillageReload(url) redraws from a
   new clusters or GeoJSON URL; the last map built is window.maillageMap; the element gets
   data-marker-count (places and groups drawn) and, with clusters, data-place-count (places in
   the view), data-cluster-count and data-drawn (how many answers it has drawn) once drawn. Links with data-map-id and data-bounds="south,west,north,east" move
   that map (the views of the national map). */
(function () {
  "use strict";

  var API_PLACE = "/api/v1/places/";
  var MOVE_DELAY_MS = 150;

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : {};
  }

  function parseNumbers(text, count) {
    if (!text) { return null; }
    var parts = text.split(",").map(Number);
    return parts.length === count && parts.every(isFinite) ? parts : null;
  }

  function parsePair(text) { return parseNumbers(text, 2); }

  function format(template, values) {
    return (template || "").replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : match;
    });
  }

  function number(value) {
    return Number(value).toLocaleString(document.documentElement.lang || "fr");
  }

  // Leaflet inserts a string tooltip or popup as HTML: user text always goes in as a DOM node.
  function textElement(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function kindLabel(styles, labels, code) {
    return (styles[code] && styles[code].label) || labels[code] || code;
  }

  // A place's popup: name (a link), kinds, commune, open now (asked when the popup opens).
  function popupContent(element, place, styles, labels) {
    var box = document.createElement("div");
    var title = document.createElement("a");
    title.href = place.url || "/lieux/" + encodeURIComponent(place.slug) + "/";
    title.textContent = place.name;
    box.appendChild(title);
    if (place.kinds.length) {
      var line = document.createElement("span");
      line.className = "map-popup-kinds";
      line.textContent = place.kinds.map(function (code) { return kindLabel(styles, labels, code); }).join(" · ");
      box.appendChild(line);
    }
    var city = document.createElement("span");
    city.className = "map-popup-city";
    city.textContent = place.city || "";
    box.appendChild(city);
    var status = document.createElement("span");
    status.className = "map-popup-status";
    box.appendChild(status);
    var more = document.createElement("a");
    more.href = title.href;
    more.textContent = element.dataset.linkText || "";
    more.className = "small";
    box.appendChild(more);
    if (place.id) {
      fetch(API_PLACE + encodeURIComponent(place.id), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (detail) {
          if (!detail) { return; }
          if (detail.commune && detail.commune.name) { city.textContent = detail.commune.name; }
          if (detail.is_open_now === true) {
            status.textContent = element.dataset.openText || "";
            status.className = "map-popup-status is-open";
          } else if (detail.is_open_now === false) {
            status.textContent = element.dataset.closedText || "";
          }
        })
        .catch(function () { /* the popup keeps what it has */ });
    }
    return box;
  }

  function setStatus(element, text) {
    var status = document.getElementById(element.id + "-status");
    if (status) { status.textContent = text; }
  }

  function kindIcon(styles, place) {
    var style = styles[place.kinds[0]] || styles.other || { svg: "" };
    return L.divIcon({
      className: "map-marker" + (place.status && place.status !== "open" ? " is-not-open" : ""),
      html: style.svg,
      iconSize: [18, 18],
      iconAnchor: [9, 9],
      popupAnchor: [0, -8]
    });
  }

  function clusterIcon(count) {
    var size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 42 : 50;
    var text = count < 10000 ? number(count) : Math.round(count / 1000) + "k";
    return L.divIcon({
      className: "map-cluster",
      html: "<span>" + text + "</span>",  // a number only: no text from the data
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2]
    });
  }

  function drawPlace(element, layer, place, styles, labels) {
    var names = place.kinds.map(function (code) { return kindLabel(styles, labels, code); });
    return L.marker([place.lat, place.lon], {
      icon: kindIcon(styles, place),
      title: place.name + (names.length ? " — " + names.join(", ") : ""),
      keyboard: true
    })
      .bindPopup(function () { return popupContent(element, place, styles, labels); })
      .addTo(layer);
  }

  // Overseas places would zoom a French map out to the whole globe: when some places are in
  // metropolitan France, the view fits those; the others are one click away (the map's views).
  var METROPOLE = L.latLngBounds([41.2, -5.3], [51.2, 9.7]);

  function boundsToShow(positions) {
    var all = L.latLngBounds(positions);
    var inside = positions.filter(function (position) { return METROPOLE.contains(position); });
    if (!inside.length || METROPOLE.contains(all)) { return all; }
    return L.latLngBounds(inside);
  }

  function drawFeatures(element, map, layer, collection) {
    var labels = readJson("kind-labels");
    var styles = readJson("kind-styles");
    layer.clearLayers();
    var positions = [];
    (collection.features || []).forEach(function (feature) {
      if (!feature.geometry || feature.geometry.type !== "Point") { return; }
      var coords = feature.geometry.coordinates;
      var properties = feature.properties || {};
      var codes = properties.kinds || [];
      var place = {
        id: properties.id,
        lat: coords[1],
        lon: coords[0],
        name: properties.name || "",
        slug: properties.slug,
        url: properties.url,
        city: properties.city,
        status: properties.status,
        kinds: typeof codes === "string" ? codes.split("|").filter(Boolean) : codes
      };
      positions.push([place.lat, place.lon]);
      drawPlace(element, layer, place, styles, labels);
    });
    var count = positions.length;
    element.dataset.markerCount = String(count);
    if (element.dataset.fit === "true" && count) {
      map.fitBounds(boundsToShow(positions), { padding: [24, 24], maxZoom: 13 });
    }
    setStatus(element, format(element.dataset.countText || "{n}", { n: count }));
  }

  function loadGeojson(element, map, layer, url) {
    setStatus(element, element.dataset.loadingText || "");
    return fetch(url, { headers: { Accept: "application/geo+json, application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (collection) { drawFeatures(element, map, layer, collection); })
      .catch(function () { setStatus(element, element.dataset.errorText || ""); });
  }

  // --- Clusters: what the view shows, asked again when the map moves -----------------------

  function clamp(value, low, high) { return Math.min(high, Math.max(low, value)); }

  function withView(url, map) {
    var bounds = map.getBounds();
    var bbox = [
      clamp(bounds.getWest(), -180, 180), clamp(bounds.getSouth(), -85, 85),
      clamp(bounds.getEast(), -180, 180), clamp(bounds.getNorth(), -85, 85)
    ].map(function (value) { return value.toFixed(4); }).join(",");
    var separator = url.indexOf("?") < 0 ? "?" : "&";
    return url + separator + "bbox=" + bbox + "&zoom=" + Math.round(map.getZoom());
  }

  function drawClusters(element, map, layer, answer) {
    var labels = readJson("kind-labels");
    var styles = readJson("kind-styles");
    var kinds = answer.kinds || [];
    var statuses = answer.statuses || [];
    // The place whose popup is open stays (opening it may have panned the map, which asked
    // for the new view): the others are replaced.
    var kept = null;
    layer.eachLayer(function (marker) {
      if (marker.placeId && marker.isPopupOpen && marker.isPopupOpen()) { kept = marker; }
    });
    layer.eachLayer(function (marker) { if (marker !== kept) { layer.removeLayer(marker); } });
    var keptFound = false;
    (answer.clusters || []).forEach(function (cluster) {
      var perKind = [];
      (cluster[3] || []).forEach(function (count, index) {
        if (count) { perKind.push([count, kindLabel(styles, labels, kinds[index])]); }
      });
      perKind.sort(function (a, b) { return b[0] - a[0]; });
      var title = format(element.dataset.clusterText || "{n}", {
        n: number(cluster[2]),
        kinds: perKind.map(function (pair) { return number(pair[0]) + " " + pair[1]; }).join(", ")
      });
      L.marker([cluster[0], cluster[1]], { icon: clusterIcon(cluster[2]), title: title, keyboard: true })
        // A click, or Enter on the focused group (Leaflet turns Enter into a click only for
        // markers with a popup), zooms in on it.
        .on("click keypress", function (event) {
          var key = event.originalEvent && event.originalEvent.key;
          if (event.type === "keypress" && key !== "Enter") { return; }
          map.setView([cluster[0], cluster[1]], Math.min(map.getZoom() + 2, map.getMaxZoom()));
        })
        .addTo(layer);
    });
    (answer.points || []).forEach(function (row) {
      if (kept && kept.placeId === row[0]) { keptFound = true; return; }
      var marker = drawPlace(element, layer, {
        id: row[0], lat: row[1], lon: row[2], name: row[3], slug: row[4],
        kinds: (row[5] || []).map(function (index) { return kinds[index]; }),
        status: statuses[row[6]], city: row[7]
      }, styles, labels);
      marker.placeId = row[0];
    });
    if (kept && !keptFound) { layer.removeLayer(kept); }
    element.dataset.markerCount = String(layer.getLayers().length);
    element.dataset.placeCount = String(answer.count || 0);
    element.dataset.clusterCount = String((answer.clusters || []).length);
    element.dataset.drawn = String(Number(element.dataset.drawn || 0) + 1);  // answers drawn
    setStatus(element, format(element.dataset.viewCountText || "{n}", { n: number(answer.count || 0) }));
  }

  function clusterLoader(element, map, layer) {
    var timer = null;
    var sent = 0;
    var baseUrl = element.dataset.clustersUrl;
    function request() {
      var mine = ++sent;
      var url = withView(baseUrl, map);
      return fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (answer) {
          if (mine === sent) { drawClusters(element, map, layer, answer); }  // the latest view only
        })
        .catch(function () { if (mine === sent) { setStatus(element, element.dataset.errorText || ""); } });
    }
    map.on("moveend", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(request, MOVE_DELAY_MS);
    });
    // Fit to the matching places: a first question at zoom 0 over the whole world (a few
    // groups) gives their bounds; when they reach overseas, a second one over metropolitan
    // France tells whether some are there, and the view fits those. The move then asks for
    // the real view.
    function ask(url) {
      return fetch(url, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; });
    }
    function toBounds(answer) {
      var b = answer && answer.count && answer.bounds;
      return b ? L.latLngBounds([b[0], b[1]], [b[2], b[3]]) : null;
    }
    function fit() {
      var separator = baseUrl.indexOf("?") < 0 ? "?" : "&";
      return ask(baseUrl + separator + "zoom=0")
        .then(function (answer) {
          var all = toBounds(answer);
          if (!all || METROPOLE.contains(all)) { return all; }
          var box = [METROPOLE.getWest(), METROPOLE.getSouth(), METROPOLE.getEast(), METROPOLE.getNorth()];
          return ask(baseUrl + separator + "zoom=3&bbox=" + box.join(","))
            .then(function (inside) { return toBounds(inside) || all; });
        })
        .then(function (bounds) {
          if (bounds) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13, animate: false }); }
          return request();
        });
    }
    return function (url) {
      if (url) { baseUrl = url; }
      setStatus(element, element.dataset.loadingText || "");
      return element.dataset.fit === "true" ? fit() : request();
    };
  }

  // --- The circle of a « près de » search ----------------------------------------------------

  function drawNear(element, map, nearLayer, near, radiusKm) {
    nearLayer.clearLayers();
    var centre = parsePair(near);
    var radius = Number(radiusKm);
    if (!centre || !(radius > 0)) { return null; }
    var circle = L.circle(centre, {
      radius: radius * 1000, color: "#D55E00", weight: 2, dashArray: "6 4", fillOpacity: 0.08,
      interactive: false
    }).addTo(nearLayer);
    L.circleMarker(centre, { radius: 5, color: "#D55E00", weight: 2, fillColor: "#ffffff", fillOpacity: 1 })
      .bindTooltip(textElement(element.dataset.nearText || ""))
      .addTo(nearLayer);
    return circle.getBounds();
  }

  function build(element) {
    var center = parsePair(element.dataset.center) || [46.6, 2.4];
    var map = L.map(element, { scrollWheelZoom: false })
      .setView(center, Number(element.dataset.zoom || 6));
    L.tileLayer(element.dataset.tilesUrl, {
      attribution: element.dataset.tilesAttribution,
      maxZoom: 19
    }).addTo(map);
    // Scroll zoom only once the map has been clicked, so the page scrolls past it.
    map.on("click", function () { map.scrollWheelZoom.enable(); });
    var nearLayer = L.featureGroup().addTo(map);
    var layer = L.featureGroup().addTo(map);
    var point = parsePair(element.dataset.point);
    if (point) {
      L.circleMarker(point, {
        radius: 9, weight: 2, color: "#ffffff", fillColor: "#e1000f", fillOpacity: 1
      }).bindTooltip(textElement(element.dataset.pointLabel || "")).addTo(layer);
      element.dataset.markerCount = "1";
    }
    var nearBounds = drawNear(element, map, nearLayer, element.dataset.near, element.dataset.radiusKm);
    if (nearBounds) {
      map.fitBounds(nearBounds, { padding: [16, 16], animate: false });
      element.dataset.fit = "false";  // the search circle is the view
    }
    var clusters = element.dataset.clustersUrl ? clusterLoader(element, map, layer) : null;
    element.maillageReload = function (url) {
      if (clusters && (!url || url.indexOf("places.clusters") >= 0)) { return clusters(url); }
      return loadGeojson(element, map, layer, url);
    };
    element.maillageNear = function (near, radiusKm) {
      var bounds = drawNear(element, map, nearLayer, near, radiusKm);
      if (bounds) { map.fitBounds(bounds, { padding: [16, 16] }); }
      return bounds;
    };
    element.maillageLeaflet = map;
    if (clusters) {
      clusters();
    } else if (element.dataset.geojsonUrl) {
      element.maillageReload(element.dataset.geojsonUrl);
    }
    window.maillageMap = map;
    return map;
  }

  // The views of the national map (metropolitan France, each overseas département): links to
  // the territory's page, which move the map instead when it is there.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-map-id][data-bounds]") : null;
    if (!link) { return; }
    var element = document.getElementById(link.dataset.mapId);
    var bounds = parseNumbers(link.dataset.bounds, 4);
    if (!element || !element.maillageLeaflet || !bounds) { return; }
    event.preventDefault();
    element.maillageLeaflet.fitBounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]]);
    element.focus({ preventScroll: true });
    element.scrollIntoView({ block: "nearest" });
  });

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".js-map"), build);
  }

  // The list page swaps its results with htmx; the results carry the map URL of the current
  // filters (and the centre and radius of a « près de » search), and the map redraws from it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var source = event.target.querySelector("[data-results-geojson], [data-results-clusters]");
    var element = document.getElementById(source ? source.dataset.mapId : "");
    if (!source || !element || !element.maillageReload) { return; }
    var near = element.maillageNear && element.maillageNear(source.dataset.resultsNear, source.dataset.resultsRadiusKm);
    if (source.dataset.resultsClusters) {
      element.dataset.fit = near ? "false" : "true";
      element.maillageReload(source.dataset.resultsClusters);
    } else {
      element.maillageReload(source.dataset.resultsGeojson);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
