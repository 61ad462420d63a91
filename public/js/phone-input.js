// Country picker for the phone field (intl-tel-input, served from our own origin).
// Without JavaScript the field is a plain input that takes a number with its country code.
(function () {
  'use strict';
  var field = document.querySelector('input[data-phone-input]');
  if (!field || typeof window.intlTelInput !== 'function') return;
  var iti = window.intlTelInput(field, {
    initialCountry: 'us',
    loadUtils: function () { return import('/vendor/intl-tel-input/js/utils.js'); },
    // The button shows the dial code: its accessible name starts with it, so speech users can say what they see (WCAG 2.5.3).
    uiTranslations: { selectedCountryAriaLabel: '${dialCode} ${countryName}: change the country of the phone number' },
  });
  // Submit the number in E.164 (+14155550123) whatever the user typed.
  field.form.addEventListener('submit', function () {
    var full = iti.getNumber();
    if (full) field.value = full;
  });
})();
