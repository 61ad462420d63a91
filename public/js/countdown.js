// "Send again" and "Call me instead" wait until a new code may be sent; the server enforces the same rule.
(function () {
  'use strict';
  var buttons = document.querySelectorAll('[data-countdown]');
  var note = document.querySelector('[data-countdown-note]');
  // The note's words come from the page, in its language: "… in {seconds} seconds.", and its own words for 1.
  var noteTemplate = note ? note.getAttribute('data-countdown-note') : '';
  var noteOne = note ? note.getAttribute('data-countdown-note-one') : '';
  var wait = 0;
  buttons.forEach(function (b) { wait = Math.max(wait, parseInt(b.getAttribute('data-countdown'), 10) || 0); });
  if (wait <= 0) return;
  // Count against the clock, not the number of ticks: background tabs run timers late.
  var deadline = Date.now() + wait * 1000;
  var labels = [];
  buttons.forEach(function (b, i) { labels[i] = b.textContent; b.disabled = true; });
  function tick() {
    var remaining = Math.ceil((deadline - Date.now()) / 1000);
    if (remaining <= 0) {
      buttons.forEach(function (b, i) { b.disabled = false; b.textContent = labels[i]; });
      if (note) note.textContent = '';
      return;
    }
    buttons.forEach(function (b, i) { b.textContent = labels[i] + ' (' + remaining + ' s)'; });
    if (note && noteTemplate) note.textContent = remaining === 1 && noteOne ? noteOne : noteTemplate.replace('{seconds}', String(remaining));
    setTimeout(tick, Math.min(1000, deadline - Date.now() - (remaining - 1) * 1000 + 20));
  }
  tick();
})();
