/* List page: htmx sends only the filters that hold a value, so the URLs it pushes into the
   history stay short and shareable ("/lieux/?kind=fablab", not every empty field). */
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    var data = event.detail.formData;
    var names = [];
    data.forEach(function (value, name) {
      if (names.indexOf(name) < 0) { names.push(name); }
    });
    names.forEach(function (name) {
      var filled = data.getAll(name).some(function (value) { return String(value).trim() !== ""; });
      if (!filled) { data.delete(name); }
    });
  });
})();
