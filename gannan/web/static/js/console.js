// Consoles: small touches on top of pages that work without JavaScript.
// A drop zone highlights while a file is dragged over it and names the chosen file;
// the file input itself covers the zone and takes the drop, so nothing else is needed.
document.querySelectorAll("[data-drop]").forEach(function (zone) {
  var input = zone.querySelector("input[type=file]");
  var name = zone.querySelector(".file-name");
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("over"); });
  });
  input.addEventListener("change", function () {
    name.textContent = input.files.length ? "已选择：" + input.files[0].name : "";
  });
});
