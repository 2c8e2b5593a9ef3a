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

  // « Près de moi »: the browser's location becomes the `near` filter (a hidden field, which a
  // commune typed afterwards replaces), and the form is sent as if submitted.
  function setUpGeolocation() {
    var box = document.getElementById("geolocate");
    var form = document.getElementById("filtres");
    if (!box || !form) { return; }
    var button = document.getElementById("geolocate-button");
    var message = document.getElementById("geolocate-message");
    var commune = form.querySelector("[name=near_commune]");
    box.hidden = false;
    function nearField() {
      var field = form.querySelector("input[name=near]");
      if (!field) {
        field = document.createElement("input");
        field.type = "hidden";
        field.name = "near";
        form.appendChild(field);
      }
      return field;
    }
    if (commune) {
      commune.addEventListener("input", function () {
        var field = form.querySelector("input[name=near][type=hidden]");
        if (field) { field.value = ""; }
      });
    }
    button.addEventListener("click", function () {
      if (!navigator.geolocation) {
        message.textContent = box.dataset.unsupportedText;
        return;
      }
      message.textContent = box.dataset.searchingText;
      navigator.geolocation.getCurrentPosition(function (position) {
        message.textContent = "";
        nearField().value = position.coords.latitude.toFixed(5) + "," + position.coords.longitude.toFixed(5);
        if (commune) { commune.value = ""; }
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }, function (error) {
        message.textContent = error.code === 1 ? box.dataset.deniedText : box.dataset.unavailableText;
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpGeolocation);
  } else {
    setUpGeolocation();
  }
})();
