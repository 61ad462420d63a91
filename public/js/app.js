// Small enhancements for every page. Pages work without this file.
(function () {
  'use strict';
  // Avatars come from Gravatar; when it cannot be reached, show the local image instead.
  function useFallback(img) {
    var fallback = img.getAttribute('data-fallback');
    if (fallback && img.getAttribute('src') !== fallback) img.setAttribute('src', fallback);
  }
  document.querySelectorAll('img[data-fallback]').forEach(function (img) {
    img.addEventListener('error', function () { useFallback(img); });
    if (img.complete && img.naturalWidth === 0) useFallback(img);
  });
  // Move focus to the error summary after a failed submit, so screen readers announce it.
  var summary = document.querySelector('.error-summary');
  if (summary) summary.focus();
})();
