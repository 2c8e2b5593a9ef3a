/* Draws a territory's outline on the map of its page (progressive enhancement).

   Markup: an element with class "js-territory-outline" and
     data-outline-url   the GeoJSON Feature of GET /api/v1/territories/{level}/{code}/outline
     data-map-id        the id of the map element that places/maps.js turned into a Leaflet map
   The map is the one places/maps.js built (window.maillageMap, the last map built; a
   territory page has one). Without JavaScript, or if the outline cannot be loaded, the page
   stays as it is: the outline only adds to the map, the lists and tables hold the figures. */
(function () {
  "use strict";

  var STYLE = { color: "#000091", weight: 2, opacity: 0.9, fill: true, fillOpacity: 0.06, interactive: false };

  function draw(source) {
    var map = window.maillageMap;
    var element = document.getElementById(source.dataset.mapId);
    if (!map || !element || !window.L || !window.fetch) { return; }
    fetch(source.dataset.outlineUrl, { headers: { Accept: "application/geo+json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (feature) {
        var layer = L.geoJSON(feature, { style: function () { return STYLE; } }).addTo(map);
        layer.bringToBack();
        var bounds = layer.getBounds();
        if (bounds.isValid()) {
          // The territory, not its places, sets the view: markers drawn later do not refit.
          map.fitBounds(bounds, { padding: [8, 8] });
          element.dataset.fit = "false";
        }
        element.dataset.outlineDrawn = "true";
      })
      .catch(function () { /* no outline: the map keeps its markers */ });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".js-territory-outline"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
