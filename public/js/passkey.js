// Passkey forms (src/views/passkey-form.ts): ask the browser's WebAuthn prompt, then post its answer.
(function () {
  'use strict';
  var forms = document.querySelectorAll('form[data-passkey]');
  if (forms.length === 0) return;
  var webauthn = window.SimpleWebAuthnBrowser;

  // The messages come from the form (src/views/passkey-form.ts), in the page's language.
  function message(form, key) {
    return form.getAttribute('data-msg-' + key) || '';
  }

  function messageKeyFor(error) {
    var name = error && (error.name || '');
    var code = error && (error.code || '');
    if (name === 'NotAllowedError' || code === 'ERROR_CEREMONY_ABORTED') return 'cancelled';
    if (name === 'InvalidStateError' || code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED') return 'duplicate';
    return 'failed';
  }

  forms.forEach(function (form) {
    var status = form.querySelector('[data-passkey-status]');
    var button = form.querySelector('[data-passkey-button]');
    var field = form.querySelector('input[name="credential"]');
    function show(text) {
      status.textContent = text;
      status.className = 'error';
      status.setAttribute('role', 'alert');
    }
    if (!webauthn || !webauthn.browserSupportsWebAuthn()) {
      show(message(form, 'unsupported'));
      button.disabled = true;
      return;
    }
    var busy = false;
    form.addEventListener('submit', function (event) {
      if (field.value) return; // the answer is in: let the form post
      event.preventDefault();
      if (busy) return;
      busy = true;
      button.disabled = true;
      var optionsJSON = JSON.parse(form.getAttribute('data-options'));
      var ceremony = form.getAttribute('data-passkey') === 'create'
        ? webauthn.startRegistration({ optionsJSON: optionsJSON })
        : webauthn.startAuthentication({ optionsJSON: optionsJSON });
      ceremony.then(function (credential) {
        field.value = JSON.stringify(credential);
        form.submit();
      }, function (error) {
        busy = false;
        button.disabled = false;
        show(message(form, messageKeyFor(error)));
      });
    });
  });
})();
