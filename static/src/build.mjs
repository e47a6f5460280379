// Front-end build for Action Tracker: `npm run build`.
//
// 1. Compiles static/src/app.scss -> static/css/app.css (compressed).
// 2. Copies the vendored JavaScript (htmx, GOV.UK Frontend) into static/vendor/.
// 3. Copies the GOV.UK Frontend assets (images, manifest) into static/assets/.
//
// The outputs are git-ignored; run this before `collectstatic`.
// Any failure exits non-zero so CI and `make` stop.

import { copyFile, cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import * as sass from 'sass'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const nodeModules = path.join(root, 'node_modules')
const from = (...parts) => path.join(nodeModules, ...parts)
const to = (...parts) => path.join(root, 'static', ...parts)
const rel = (p) => path.relative(root, p)

async function mustExist (file) {
  try {
    await stat(file)
  } catch {
    throw new Error(`Missing ${rel(file)}: run \`npm install\` (or \`npm ci\`) first.`)
  }
}

async function buildCss () {
  const input = path.join(root, 'static', 'src', 'app.scss')
  const output = to('css', 'app.css')
  const result = await sass.compileAsync(input, {
    style: 'compressed',
    loadPaths: [nodeModules],
    sourceMap: false,
    // Report deprecations in our own Sass, not in GOV.UK Frontend's.
    quietDeps: true
  })
  if (/GDS Transport|@font-face/.test(result.css)) {
    throw new Error('app.css contains GDS Transport / @font-face: the font settings in app.scss are not being applied.')
  }
  await mkdir(path.dirname(output), { recursive: true })
  await writeFile(output, result.css)
  console.log(`css     ${rel(input)} -> ${rel(output)} (${Buffer.byteLength(result.css)} bytes)`)
}

async function copy (src, dest) {
  await mustExist(src)
  await mkdir(path.dirname(dest), { recursive: true })
  await copyFile(src, dest)
  console.log(`copy    ${rel(src)} -> ${rel(dest)}`)
}

async function copyVendorJs () {
  const htmxPkg = JSON.parse(await readFile(from('htmx.org', 'package.json'), 'utf8'))
  if (!htmxPkg.version.startsWith('2.')) {
    throw new Error(`Expected htmx.org 2.x, found ${htmxPkg.version}`)
  }
  await copy(from('htmx.org', 'dist', 'htmx.min.js'), to('vendor', 'htmx.min.js'))
  await copy(
    from('govuk-frontend', 'dist', 'govuk', 'govuk-frontend.min.js'),
    to('vendor', 'govuk-frontend.min.js')
  )
  // govuk-frontend.min.js ends with a sourceMappingURL comment: ship the map
  // too so browsers (and any static-files post-processing) can resolve it.
  await copy(
    from('govuk-frontend', 'dist', 'govuk', 'govuk-frontend.min.js.map'),
    to('vendor', 'govuk-frontend.min.js.map')
  )
}

async function copyAssets () {
  const src = from('govuk-frontend', 'dist', 'govuk', 'assets')
  const dest = to('assets')
  await mustExist(src)
  // Start clean so assets removed upstream don't linger.
  await rm(dest, { recursive: true, force: true })
  // Skip the GDS Transport font files: the font is licensed for GOV.UK only
  // and app.scss switches it off, so nothing references them.
  const fonts = path.join(src, 'fonts')
  await cp(src, dest, {
    recursive: true,
    filter: (file) => file !== fonts && !file.startsWith(fonts + path.sep)
  })
  console.log(`copy    ${rel(src)}/ -> ${rel(dest)}/ (without fonts/)`)
}

try {
  await Promise.all([buildCss(), copyVendorJs(), copyAssets()])
  console.log('build   done')
} catch (error) {
  console.error(`build   FAILED: ${error.message ?? error}`)
  if (error.sassMessage === undefined && error.stack) console.error(error.stack)
  process.exit(1)
}
