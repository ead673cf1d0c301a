/** Poisson probabilities in logs, for counts per window: how unlikely a count is under an expected rate. */

/** ln(n!) for the counts most windows have; Stirling's series beyond. */
const LOG_FACTORIALS = new Float64Array(256)
for (let n = 2; n < LOG_FACTORIALS.length; n++) LOG_FACTORIALS[n] = LOG_FACTORIALS[n - 1] + Math.log(n)

function logFactorial(n: number): number {
  if (n < LOG_FACTORIALS.length) return LOG_FACTORIALS[n]
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + 1 / (12 * n) - 1 / (360 * n ** 3)
}

/** ln P(X = k), X ~ Poisson(mean), mean > 0. */
function logPoisson(k: number, mean: number): number {
  return k * Math.log(mean) - mean - logFactorial(k)
}

/** ln P(X ≥ k), X ~ Poisson(mean), for k above the mean (the terms then shrink at least geometrically). */
export function logUpperTail(k: number, mean: number): number {
  let term = 1
  let sum = 1
  for (let i = k + 1; term > 1e-12 * sum; i++) {
    term *= mean / i
    sum += term
  }
  return logPoisson(k, mean) + Math.log(sum)
}

/** ln P(X ≤ k), X ~ Poisson(mean), for k below the mean. */
export function logLowerTail(k: number, mean: number): number {
  let term = 1
  let sum = 1
  for (let i = k; i > 0 && term > 1e-12 * sum; i--) {
    term *= i / mean
    sum += term
  }
  return logPoisson(k, mean) + Math.log(sum)
}
