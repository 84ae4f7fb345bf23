// The check-in desk keeps the last search in its box; selecting it means the next scan or
// name replaces it instead of being appended (without JavaScript, clear the box first).
(function () {
  var q = document.getElementById("q");
  if (q) {
    q.focus();
    q.select();
  }
})();
