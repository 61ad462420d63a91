// Country picker for the phone field (intl-tel-input, served from our own origin).
// Without JavaScript the field is a plain input that takes a number with its country code.
(function () {
  'use strict';
  var field = document.querySelector('input[data-phone-input]');
  if (!field || typeof window.intlTelInput !== 'function') return;
  var lang = document.documentElement.lang || 'en';
  // The picker's own words in the page's language (its locale files ship in the package); country names from Intl.
  import('/vendor/intl-tel-input/js/locale/' + (lang === 'es' ? 'es' : 'en') + '.js')
    .then(function (module) { return module.default; }, function () { return {}; })
    .then(function (translations) {
      var ui = Object.assign({}, translations, {
        // The button's name starts with the dial code the field shows ("+44 United Kingdom: …"), so speech users can
        // say what they see (WCAG 2.5.3). The rest of the name comes from the page (src/i18n), in its language.
        selectedCountryAriaLabel: '${dialCode} ${countryName}: ' + (field.getAttribute('data-country-label') || ''),
      });
      var iti = window.intlTelInput(field, {
        initialCountry: 'us',
        countryNameLocale: lang,
        uiTranslations: ui,
        // The dial code stays in the field, as the hint and the form without JavaScript ask ("+44 7400 123456").
        // With it beside the flag (the library's default), a typed "+" jumps to the picker's search box, which then
        // takes the rest of the number; here the typed code picks the country, and the picker stays one Tab away.
        separateDialCode: false,
        loadUtils: function () { return import('/vendor/intl-tel-input/js/utils.js'); },
      });
      // Submit the number in E.164 (+14155550123) whatever the user typed. Turning a national number into one
      // needs the library's utils, loaded after the page: a form sent before they arrive (a fast hand, a slow
      // network) waits for them, then is sent again with the same button (its channel=sms|call goes with it).
      // If they never arrive, the form goes as typed once (the server checks the number either way).
      var waited = false;
      field.form.addEventListener('submit', function (event) {
        if (!window.intlTelInput.utils && !waited) {
          waited = true;
          event.preventDefault();
          var submitter = event.submitter;
          var again = function () { field.form.requestSubmit(submitter || undefined); };
          iti.promise.then(again, again);
          return;
        }
        var full = window.intlTelInput.utils ? iti.getNumber() : '';
        if (full) field.value = full;
      });
    });
})();
