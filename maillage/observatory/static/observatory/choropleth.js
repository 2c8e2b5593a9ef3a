/* The observatory's map of the children territories as filled outlines (a choropleth), drawn
   in place of the server's proportional symbols (progressive enhancement).

   Markup (observatory/area.html): a <figure class="js-choropleth"> holding the server's SVG,
   with
     data-table-id      the id of the table of the children's figures: the map's only data
                        source, and the page's reading without JavaScript;
     data-indicator     the indicator drawn first (a column of that table);
     data-communes-url  (optional) one GeoJSON FeatureCollection of the children communes'
                        outlines (GET /api/v1/territories/{level}/{code}/communes/outlines);
     data-label-*       the texts, translated on the server.
   Each row of the table names its territory (data-level, data-code) and, without a
   data-communes-url, its outline (data-outline-url, GET /api/v1/territories/{level}/{code}/outline);
   each figure cell says its indicator (data-indicator), its raw value (data-value) and its
   state (data-state): "value", "secret" (hidden by statistical secrecy, drawn hatched) or
   "none" (no data, drawn white with a dashed border), so that the two absences never look
   alike. Without JavaScript, or if no outline can be loaded, the page stays as it is. */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 480;
  var HEIGHT = 400;
  var MARGIN = 12;
  // Sequential blues, light to dark (readable in grey too).
  var COLOURS = ["#dbe5f6", "#a9c1ea", "#6e95d8", "#3a67bd", "#1b3f8b"];
  var NONE_FILL = "#ffffff";
  var counter = 0;

  function node(name, attrs, text) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { element.setAttribute(key, attrs[key]); });
    if (text) { element.textContent = text; }
    return element;
  }

  function readTable(table) {
    var columns = Array.prototype.map.call(
      table.querySelectorAll("thead th[data-indicator]"),
      function (th) { return { code: th.dataset.indicator, unit: th.dataset.unit, label: th.textContent.trim() }; }
    );
    var rows = Array.prototype.map.call(table.querySelectorAll("tbody tr[data-code]"), function (tr) {
      var cells = {};
      Array.prototype.forEach.call(tr.querySelectorAll("td[data-indicator]"), function (td) {
        cells[td.dataset.indicator] = {
          state: td.dataset.state,
          value: td.dataset.value === "" ? null : parseFloat(td.dataset.value),
          text: td.textContent.trim()
        };
      });
      var heading = tr.querySelector("th");
      return {
        code: tr.dataset.code,
        outlineUrl: tr.dataset.outlineUrl || "",
        name: heading ? heading.textContent.trim() : tr.dataset.code,
        cells: cells
      };
    });
    return { columns: columns, rows: rows };
  }

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/geo+json" } }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    });
  }

  // {code: geometry} for the rows whose outline could be loaded.
  function loadOutlines(figure, rows) {
    var shapes = {};
    if (figure.dataset.communesUrl) {
      return getJson(figure.dataset.communesUrl).then(function (collection) {
        (collection.features || []).forEach(function (feature) {
          var code = feature.properties && feature.properties.code;
          if (code && feature.geometry) { shapes[code] = feature.geometry; }
        });
        return shapes;
      });
    }
    return Promise.all(rows.filter(function (row) { return row.outlineUrl; }).map(function (row) {
      return getJson(row.outlineUrl).then(function (feature) {
        if (feature && feature.geometry) { shapes[row.code] = feature.geometry; }
      }).catch(function () { /* this territory keeps no outline */ });
    })).then(function () { return shapes; });
  }

  function polygons(geometry) {
    if (geometry.type === "Polygon") { return [geometry.coordinates]; }
    if (geometry.type === "MultiPolygon") { return geometry.coordinates; }
    return [];
  }

  // Equirectangular, corrected by the cosine of the mean latitude (as maps.py on the server).
  function projection(geometries) {
    var west = Infinity, east = -Infinity, south = Infinity, north = -Infinity;
    geometries.forEach(function (geometry) {
      polygons(geometry).forEach(function (polygon) {
        polygon.forEach(function (ring) {
          ring.forEach(function (point) {
            west = Math.min(west, point[0]); east = Math.max(east, point[0]);
            south = Math.min(south, point[1]); north = Math.max(north, point[1]);
          });
        });
      });
    });
    var cos = Math.cos(((south + north) / 2) * Math.PI / 180);
    var spanX = Math.max((east - west) * cos, 1e-6);
    var spanY = Math.max(north - south, 1e-6);
    var scale = Math.min((WIDTH - 2 * MARGIN) / spanX, (HEIGHT - 2 * MARGIN) / spanY);
    var offsetX = (WIDTH - spanX * scale) / 2;
    var offsetY = (HEIGHT - spanY * scale) / 2;
    return function (point) {
      return [offsetX + (point[0] - west) * cos * scale, offsetY + (north - point[1]) * scale];
    };
  }

  function pathData(geometry, project) {
    var parts = [];
    polygons(geometry).forEach(function (polygon) {
      polygon.forEach(function (ring) {
        ring.forEach(function (point, index) {
          var xy = project(point);
          parts.push((index ? "L" : "M") + xy[0].toFixed(1) + " " + xy[1].toFixed(1));
        });
        parts.push("Z");
      });
    });
    return parts.join("");
  }

  function format(value, unit) {
    if (unit === "share") { return Math.round(value * 100) + " %"; }
    return value.toLocaleString(document.documentElement.lang || "fr", { maximumFractionDigits: 1 });
  }

  // Up to five classes of equal counts (quantiles) over the values shown.
  function classify(values) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var count = Math.min(COLOURS.length, sorted.length);
    var bounds = [];
    for (var i = 1; i <= count; i += 1) {
      var bound = sorted[Math.ceil((i * sorted.length) / count) - 1];
      if (!bounds.length || bound > bounds[bounds.length - 1]) { bounds.push(bound); }
    }
    return {
      bounds: bounds,
      min: sorted[0],
      colour: function (value) {
        for (var j = 0; j < bounds.length; j += 1) {
          if (value <= bounds[j]) { return COLOURS[Math.round((j * (COLOURS.length - 1)) / Math.max(bounds.length - 1, 1))]; }
        }
        return COLOURS[COLOURS.length - 1];
      }
    };
  }

  function swatch(fill, dashed) {
    var svg = node("svg", { width: "18", height: "12", viewBox: "0 0 18 12", "aria-hidden": "true", focusable: "false" });
    svg.appendChild(node("rect", {
      x: "0.5", y: "0.5", width: "17", height: "11", fill: fill, stroke: "#6b7280",
      "stroke-dasharray": dashed ? "3 2" : "none"
    }));
    return svg;
  }

  function hatchPattern(id) {
    var pattern = node("pattern", {
      id: id, patternUnits: "userSpaceOnUse", width: "6", height: "6", patternTransform: "rotate(45)"
    });
    pattern.appendChild(node("rect", { width: "6", height: "6", fill: "#d1d5db" }));
    pattern.appendChild(node("line", { x1: "0", y1: "0", x2: "0", y2: "6", stroke: "#374151", "stroke-width": "2" }));
    return pattern;
  }

  function draw(figure, data, shapes, column) {
    var labels = figure.dataset;
    var id = "choropleth-" + (counter += 1);
    var hatch = id + "-secret";
    var shown = data.rows.filter(function (row) { return shapes[row.code]; });
    var project = projection(shown.map(function (row) { return shapes[row.code]; }));
    var values = shown.map(function (row) { return row.cells[column.code]; })
      .filter(function (cell) { return cell && cell.state === "value" && cell.value !== null; })
      .map(function (cell) { return cell.value; });
    var scale = values.length ? classify(values) : null;

    var svg = node("svg", {
      xmlns: SVG, viewBox: "0 0 " + WIDTH + " " + HEIGHT, role: "img",
      "aria-labelledby": id + "-title", "class": "observatory-map observatory-choropleth"
    });
    svg.appendChild(node("title", { id: id + "-title" }, labels.labelTitle + " — " + column.label));
    var defs = node("defs");
    defs.appendChild(hatchPattern(hatch));
    svg.appendChild(defs);
    shown.forEach(function (row) {
      var cell = row.cells[column.code] || { state: "none", value: null, text: "" };
      var attrs = { d: pathData(shapes[row.code], project), stroke: "#ffffff", "stroke-width": "0.8", "fill-rule": "evenodd" };
      var note = cell.text;
      if (cell.state === "secret") {
        attrs.fill = "url(#" + hatch + ")";
        note = labels.labelSecret;
      } else if (cell.state === "value" && cell.value !== null && scale) {
        attrs.fill = scale.colour(cell.value);
      } else {
        attrs.fill = NONE_FILL;
        attrs.stroke = "#6b7280";
        attrs["stroke-dasharray"] = "3 2";
        note = labels.labelNone;
      }
      attrs["data-state"] = cell.state;
      var path = node("path", attrs);
      path.appendChild(node("title", {}, row.name + " : " + note));
      svg.appendChild(path);
    });

    var legend = document.createElement("div");
    legend.className = "choropleth-legend small";
    var list = document.createElement("ul");
    function item(graphic, text) {
      var li = document.createElement("li");
      li.appendChild(graphic);
      li.appendChild(document.createTextNode(" " + text));
      list.appendChild(li);
    }
    if (scale) {
      var low = scale.min;
      scale.bounds.forEach(function (bound) {
        var text = low === bound ? format(bound, column.unit) : format(low, column.unit) + " – " + format(bound, column.unit);
        item(swatch(scale.colour(bound), false), text);
        low = bound;
      });
    }
    var secretSwatch = swatch("url(#" + hatch + "-legend)", false);
    var legendDefs = node("defs");
    legendDefs.appendChild(hatchPattern(hatch + "-legend"));
    secretSwatch.insertBefore(legendDefs, secretSwatch.firstChild);
    item(secretSwatch, labels.labelSecret);
    item(swatch(NONE_FILL, true), labels.labelNone);
    legend.appendChild(list);
    return { svg: svg, legend: legend };
  }

  function enhance(figure) {
    var table = document.getElementById(figure.dataset.tableId);
    if (!table || !window.fetch || !window.Promise) { return; }
    var data = readTable(table);
    if (!data.rows.length || !data.columns.length) { return; }
    loadOutlines(figure, data.rows).then(function (shapes) {
      if (!Object.keys(shapes).length) { return; }
      var original = figure.querySelector("svg");
      var caption = figure.querySelector("figcaption");
      var chosen = data.columns.filter(function (c) { return c.code === figure.dataset.indicator; })[0] || data.columns[0];

      var controls = document.createElement("p");
      controls.className = "choropleth-controls small";
      var label = document.createElement("label");
      var select = document.createElement("select");
      select.id = "choropleth-indicator-" + (counter + 1);
      label.htmlFor = select.id;
      label.textContent = labels(figure).labelChoose + " ";
      data.columns.forEach(function (column) {
        var option = document.createElement("option");
        option.value = column.code;
        option.textContent = column.label;
        option.selected = column === chosen;
        select.appendChild(option);
      });
      controls.appendChild(label);
      controls.appendChild(select);

      var drawn = null;
      function render(column) {
        var next = draw(figure, data, shapes, column);
        if (drawn) {
          figure.replaceChild(next.svg, drawn.svg);
          figure.replaceChild(next.legend, drawn.legend);
        } else {
          if (original) { original.classList.add("choropleth-replaced"); }
          figure.insertBefore(controls, original || caption);
          figure.insertBefore(next.svg, original || caption);
          figure.insertBefore(next.legend, original || caption);
        }
        drawn = next;
      }
      select.addEventListener("change", function () {
        render(data.columns.filter(function (c) { return c.code === select.value; })[0]);
      });
      render(chosen);
      if (caption) { caption.textContent = figure.dataset.labelCaption; }
      figure.dataset.choropleth = "true";
    }).catch(function () { /* no outlines: the proportional symbols stay */ });
  }

  function labels(figure) { return figure.dataset; }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".js-choropleth"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
