// "Send again" and "Call me instead" wait until a new code may be sent; the server enforces the same rule.
(function () {
  'use strict';
  var buttons = document.querySelectorAll('[data-countdown]');
  var note = document.querySelector('[data-countdown-note]');
  var remaining = 0;
  buttons.forEach(function (b) { remaining = Math.max(remaining, parseInt(b.getAttribute('data-countdown'), 10) || 0); });
  if (remaining <= 0) return;
  var labels = [];
  buttons.forEach(function (b, i) { labels[i] = b.textContent; b.disabled = true; });
  function tick() {
    if (remaining <= 0) {
      buttons.forEach(function (b, i) { b.disabled = false; b.textContent = labels[i]; });
      if (note) note.textContent = '';
      return;
    }
    buttons.forEach(function (b, i) { b.textContent = labels[i] + ' (' + remaining + ' s)'; });
    if (note) note.textContent = 'You can ask for a new code in ' + remaining + ' seconds.';
    remaining -= 1;
    setTimeout(tick, 1000);
  }
  tick();
})();
