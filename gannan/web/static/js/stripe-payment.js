// Production card payments: Stripe's Payment Element on the pay page (web/pay.html, used
// when STRIPE_PUBLISHABLE_KEY is set). The card never touches our server; the order turns
// paid when Stripe's signed payment_intent.succeeded webhook arrives.
(function () {
  var form = document.getElementById("payment-form");
  if (!form || !window.Stripe) { return; }
  var stripe = window.Stripe(form.dataset.publishableKey);
  var elements = stripe.elements({ clientSecret: form.dataset.clientSecret, locale: "zh" });
  elements.create("payment").mount("#payment-element");
  var message = document.getElementById("payment-message");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    form.querySelector("button").disabled = true;
    stripe.confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
      .then(function (result) {
        // Only reached on an error: success redirects to return_url.
        message.textContent = result.error.message;
        message.hidden = false;
        form.querySelector("button").disabled = false;
      });
  });
})();
