# Reference results from base R for planning, trends and binomial intervals (no packages beyond base R).
#
# Run from the repository root:   Rscript tests/reference/make_planning_fixtures.R
# Writes tests/reference/fixtures/{power_n,power_mdc,trend_series,trend_lm,wilson}.csv.
# tests/reference/test_planning_against_r.py compares recognition.stats with these files; it never needs R.

set.seed(20250301)
out_dir <- file.path("tests", "reference", "fixtures")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# 1. Completes per wave to detect a change p1 -> p2: power.prop.test(p1 = , p2 = , power = , sig.level = )$n
#    (two-sided, strict = FALSE); the per-wave n with a design effect is that n times deff.
grid <- expand.grid(p1 = c(0.05, 0.1, 0.3, 0.5, 0.8, 0.95), change = c(-0.05, -0.02, 0.02, 0.05, 0.1),
                    power = c(0.8, 0.9), sig.level = c(0.05, 0.1))
grid <- grid[grid$p1 + grid$change > 0 & grid$p1 + grid$change < 1, ]
grid$n <- mapply(function(p1, change, power, sig.level) {
  power.prop.test(p1 = p1, p2 = p1 + change, power = power, sig.level = sig.level)$n
}, grid$p1, grid$change, grid$power, grid$sig.level)
write.csv(grid, file.path(out_dir, "power_n.csv"), row.names = FALSE)

# 2. Minimum detectable change with n per wave: the d > 0 with
#    power.prop.test(n = n, p1 = p, p2 = p + d)$power == power (rise) and the same for p - d (fall),
#    solved by uniroot(..., tol = 1e-12); NA when even a change to 0 or 1 is not detected with that power.
mdc <- expand.grid(n = c(200, 1000, 5000), p = c(0.05, 0.3, 0.5, 0.7), power = c(0.8, 0.9), sig.level = 0.05)
solve_d <- function(n, p, power, sig.level, sign) {
  f <- function(d) power.prop.test(n = n, p1 = p, p2 = p + sign * d, sig.level = sig.level)$power - power
  upper <- if (sign > 0) 1 - p - 1e-9 else p - 1e-9
  if (f(upper) < 0) return(NA)
  uniroot(f, c(1e-6, upper), tol = 1e-12)$root
}
mdc$rise <- mapply(solve_d, mdc$n, mdc$p, mdc$power, mdc$sig.level, MoreArgs = list(sign = 1))
mdc$fall <- mapply(solve_d, mdc$n, mdc$p, mdc$power, mdc$sig.level, MoreArgs = list(sign = -1))
write.csv(mdc, file.path(out_dir, "power_mdc.csv"), row.names = FALSE)

# 3. Trend: a random-effects meta-regression of the wave estimates y on time t with sampling variances v.
#    tau2 by the method of moments (DerSimonian-Laird for meta-regression, as metafor's rma(method = "DL")):
#      W = diag(1/v), X = cbind(1, t), P = W - W X (X'WX)^-1 X'W, Q = y'Py, tau2 = max(0, (Q - (k - 2)) / tr(P));
#    then fit <- lm(y ~ t, weights = 1 / (v + tau2)); summary(fit)$coefficients["t", ] and sigma(fit).
series <- data.frame()
fits <- data.frame()
specs <- list(c(4, 0), c(6, 0.01), c(8, 0), c(8, 0.01), c(12, 0.005), c(12, 0.02), c(5, 0.03), c(10, 0.05))
for (i in seq_along(specs)) {
  k <- specs[[i]][1]
  tau <- specs[[i]][2]
  t <- seq_len(k) - 1
  v <- 0.3 * 0.7 * 1.5 / round(runif(k, 600, 1400))
  y <- 0.3 + 0.004 * t + rnorm(k, 0, sqrt(v + tau^2))
  series <- rbind(series, data.frame(series = i, t = t, y = y, v = v))
  W <- diag(1 / v)
  X <- cbind(1, t)
  P <- W - W %*% X %*% solve(t(X) %*% W %*% X) %*% t(X) %*% W
  tau2 <- max(0, (drop(t(y) %*% P %*% y) - (k - 2)) / sum(diag(P)))
  fit <- lm(y ~ t, weights = 1 / (v + tau2))
  co <- summary(fit)$coefficients
  fits <- rbind(fits, data.frame(series = i, k = k, tau = tau, tau2 = tau2, slope = co["t", 1], se = co["t", 2],
                                 t_value = co["t", 3], p_value = co["t", 4], intercept = co["(Intercept)", 1],
                                 sigma = sigma(fit), df = fit$df.residual))
}
write.csv(series, file.path(out_dir, "trend_series.csv"), row.names = FALSE)
write.csv(fits, file.path(out_dir, "trend_lm.csv"), row.names = FALSE)

# 4. Binomial intervals on n respondents with x successes:
#    Wilson score interval = prop.test(x, n, correct = FALSE, conf.level = level)$conf.int;
#    exact (Clopper-Pearson) = binom.test(x, n, conf.level = level)$conf.int (at x = 0: [0, 1 - (alpha/2)^(1/n)]).
bin <- expand.grid(n = c(40, 200, 800), x_share = c(0, 0.1, 0.5), level = c(0.9, 0.95))
bin$x <- round(bin$n * bin$x_share)
bin$wilson_low <- mapply(function(x, n, l) prop.test(x, n, correct = FALSE, conf.level = l)$conf.int[1],
                         bin$x, bin$n, bin$level)
bin$wilson_high <- mapply(function(x, n, l) prop.test(x, n, correct = FALSE, conf.level = l)$conf.int[2],
                          bin$x, bin$n, bin$level)
bin$exact_low <- mapply(function(x, n, l) binom.test(x, n, conf.level = l)$conf.int[1], bin$x, bin$n, bin$level)
bin$exact_high <- mapply(function(x, n, l) binom.test(x, n, conf.level = l)$conf.int[2], bin$x, bin$n, bin$level)
write.csv(bin, file.path(out_dir, "wilson.csv"), row.names = FALSE)

cat("wrote", out_dir, "with", R.version.string, "\n")
