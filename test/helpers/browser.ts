import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

/** Debian's chromium: playwright-core drives a browser installed apart and downloads none. */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * Launches Debian's chromium headless, talking to it over a pipe (no port). Its own network chatter
 * (updates, sync, QUIC probes) is turned off: a page under test must be the only thing it loads.
 */
export async function launchChromium(): Promise<Browser> {
  // A missing browser fails the test: skipping would pass a suite that checked nothing.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`)
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** What a page did that a self-contained, inert page must not. */
export interface PageProblems {
  consoleErrors: string[]
  pageErrors: string[]
  /** Requests for anything but the page itself. */
  requests: string[]
  dialogs: string[]
}

/** Opens `url` in a new page, recording its console errors, uncaught errors, other requests and dialogs. */
export async function openWatched(browser: Browser, url: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport })
  const problems: PageProblems = { consoleErrors: [], pageErrors: [], requests: [], dialogs: [] }
  page.on('console', (message) => {
    if (message.type() === 'error') problems.consoleErrors.push(message.text())
  })
  page.on('pageerror', (error) => problems.pageErrors.push(error.message))
  page.on('request', (request) => {
    if (request.url() !== url) problems.requests.push(request.url())
  })
  page.on('dialog', (dialog) => {
    problems.dialogs.push(`${dialog.type()}: ${dialog.message()}`)
    void dialog.dismiss()
  })
  await page.goto(url, { waitUntil: 'load' })
  return { page, problems }
}
