// Action Tracker front-end entry point. Loaded as <script type="module">, so it
// only runs in browsers GOV.UK Frontend supports, and there is no inline script
// anywhere (the Content-Security-Policy forbids it).
import { initAll } from '../vendor/govuk-frontend.min.js'

// These classes are normally added by an inline snippet in the GOV.UK page
// template. Running as a module already proves ES module support, which is
// what `govuk-frontend-supported` signals.
document.body.classList.add('js-enabled', 'govuk-frontend-supported')

// Components already initialised (for example the siblings of a swapped
// element) throw an InitError when initialised again: ignore those.
function onError (error) {
  if (error && error.name === 'InitError') return
  console.error(error)
}

initAll({ onError })

// Initialise GOV.UK Frontend components in content swapped in by htmx.
// htmx fires htmx:afterSwap on each newly settled element (the new elements
// themselves for outerHTML swaps, the target for innerHTML swaps). initAll only
// looks at descendants of its scope, so use the parent to include the swapped
// element itself when it carries a data-module attribute.
document.addEventListener('htmx:afterSwap', (event) => {
  const swapped = event.target instanceof Element && event.target.isConnected
    ? event.target
    : event.detail && event.detail.target
  if (!(swapped instanceof Element) || !swapped.isConnected) return
  initAll({ scope: swapped.parentElement || swapped, onError })
})

// The milestone list's filters fold away on a phone, so the results are not below a screenful
// of questions. Without JavaScript they stay open (the page works either way).
if (window.matchMedia('(max-width: 40.0525em)').matches) {
  for (const filters of document.querySelectorAll('details.app-filters')) filters.open = false
}
