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

  // The page's language and the few words this script writes, from the message catalogue (src/views/layout.ts).
  var root = document.documentElement;
  var lang = root.lang || 'en';
  var say = function (key) { return root.getAttribute('data-t-' + key) || ''; };

  // "3 minutes ago" stays true while the page is open (the same words as src/lib/relative-time.ts; the server's
  // text stands until the first update, so a page never changes as it loads).
  var times = document.querySelectorAll('time[data-relative]');
  if (times.length > 0 && window.Intl && Intl.RelativeTimeFormat) {
    var UNITS = [['year', 31536000], ['month', 2592000], ['week', 604800], ['day', 86400], ['hour', 3600], ['minute', 60]];
    var relative = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
    var justNow = say('just-now');
    var words = function (at, now) {
      var seconds = Math.round((at - now) / 1000);
      if (Math.abs(seconds) < 45) return justNow;
      for (var i = 0; i < UNITS.length; i++) {
        if (Math.abs(seconds) >= UNITS[i][1] || UNITS[i][0] === 'minute') return relative.format(Math.round(seconds / UNITS[i][1]), UNITS[i][0]);
      }
      return justNow;
    };
    setInterval(function () {
      var now = Date.now();
      times.forEach(function (time) {
        var at = Date.parse(time.getAttribute('datetime'));
        if (!isNaN(at)) time.textContent = words(at, now);
      });
    }, 30000);
  }

  // Password fields get a Show/Hide button (the field stays a password field without this script).
  var showWord = say('show');
  var hideWord = say('hide');
  var passwordWord = say('password');
  document.querySelectorAll('input[type="password"]').forEach(function (field) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'link-button show-password';
    button.setAttribute('aria-controls', field.id);
    field.setAttribute('data-was-password', '1');
    button.setAttribute('aria-pressed', 'false');
    var word = document.createElement('span');
    word.textContent = showWord;
    var rest = document.createElement('span');
    rest.className = 'visually-hidden';
    rest.textContent = passwordWord;
    button.append(word, rest);
    button.addEventListener('click', function () {
      var shown = field.type === 'password';
      field.type = shown ? 'text' : 'password';
      word.textContent = shown ? hideWord : showWord;
      button.setAttribute('aria-pressed', shown ? 'true' : 'false');
    });
    field.insertAdjacentElement('afterend', button);
  });

  // One submission per form: a second click (or Enter) while the first is on its way is ignored. Buttons are marked
  // busy rather than disabled, so the clicked button's name and value (e.g. channel=call) still go with the form.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return; // a script handles it (passkeys)
    if (form.getAttribute('data-submitting')) { event.preventDefault(); return; }
    form.setAttribute('data-submitting', '1');
    // A password shown in clear goes back to dots before the next page (and the browser's form memory) sees it.
    form.querySelectorAll('input[data-was-password]').forEach(function (input) { input.type = 'password'; });
    form.querySelectorAll('button[type="submit"], button:not([type])').forEach(function (b) {
      b.setAttribute('aria-disabled', 'true');
      b.classList.add('is-busy');
    });
  });
  // Back/forward cache: a page shown again must be usable again.
  window.addEventListener('pageshow', function (event) {
    if (!event.persisted) return;
    document.querySelectorAll('form[data-submitting]').forEach(function (form) {
      form.removeAttribute('data-submitting');
      form.querySelectorAll('.is-busy').forEach(function (b) { b.removeAttribute('aria-disabled'); b.classList.remove('is-busy'); });
    });
  });
})();
