# Reference results for the insight methods of recognition.stats (drivers, image map, mental availability,
# Fay-Herriot small-area estimates).
#
# Run from the repository root:   Rscript tests/reference/make_insight_fixtures.R
# Writes CSV files to tests/reference/fixtures/insight/ (the samples and R's numbers); the tests in
# tests/reference/test_insight_against_r.py compare recognition.stats with them and never need R.
# Uses base R and the packages survey (its calibrate() needs MASS, Debian r-cran-mass) and ca.

suppressMessages(library(survey))
suppressMessages(library(ca))

out_dir <- file.path("tests", "reference", "fixtures", "insight")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
save <- function(df, name) write.csv(df, file.path(out_dir, name), row.names = FALSE)

# ---------------------------------------------------------------------------------------------------------------
# 1. Key drivers: a respondent x brand stacked sample with unequal weights.
#    Shapley value (LMG) decomposition of the weighted R^2 by brute force over all 2^k subsets with lm(weights =),
#    and Johnson's relative weights written out from the weighted correlation matrix with eigen().
set.seed(20240611)
n_resp <- 400
brands <- c("A", "B", "C")
k <- 4
attr_names <- paste0("a", 1:k)
resp_w <- round(runif(n_resp, 0.4, 2.5), 4)
potential <- rbinom(n_resp, 1, 0.6)
rows <- list()
for (b in seq_along(brands)) {
  liking <- rnorm(n_resp)
  x <- sapply(1:k, function(j) rbinom(n_resp, 1, plogis(-0.5 + 0.3 * b - 0.2 * j + (0.4 + 0.25 * j) * liking)))
  colnames(x) <- attr_names
  consider <- rbinom(n_resp, 1, plogis(-1 + 0.4 * b + 0.9 * liking + 0.5 * x[, 2]))
  rows[[b]] <- data.frame(resp = seq_len(n_resp), brand = brands[b], x, consider = consider, w = resp_w,
                          potential = potential)
}
drivers <- do.call(rbind, rows)
drivers$brand <- factor(drivers$brand, levels = brands)
set.seed(20240615)
drivers$row_potential <- rbinom(nrow(drivers), 1, 0.7)  # a domain of respondent x brand rows
save(drivers, "drivers.csv")

# Weighted R^2 of the attributes in S over what the brand fixed effects explain (or over the mean alone):
# R2(S) = 1 - RSS(y ~ [brand +] X_S) / RSS(y ~ [brand]), each RSS weighted, from lm(weights = w).
partial_r2 <- function(d, S, with_brand) {
  base <- if (with_brand) "consider ~ brand" else "consider ~ 1"
  f <- if (length(S)) paste(base, "+", paste(attr_names[S], collapse = " + ")) else base
  1 - deviance(lm(as.formula(f), data = d, weights = w)) / deviance(lm(as.formula(base), data = d, weights = w))
}

lmg <- function(d, with_brand) {
  subsets <- lapply(0:(2^k - 1), function(m) which(bitwAnd(m, 2^(0:(k - 1))) > 0))
  r2 <- sapply(subsets, function(S) partial_r2(d, S, with_brand))
  sapply(1:k, function(j) {
    total <- 0
    for (m in seq_along(subsets)) {
      S <- subsets[[m]]
      if (j %in% S) next
      with_j <- sort(c(S, j))
      m_j <- which(sapply(subsets, function(T) identical(T, with_j)))
      s <- length(S)
      total <- total + factorial(s) * factorial(k - s - 1) / factorial(k) * (r2[m_j] - r2[m])
    }
    total
  })
}

johnson <- function(d, with_brand) {
  v <- as.matrix(d[, c(attr_names, "consider")])
  if (with_brand) v <- residuals(lm(v ~ brand, data = d, weights = w))  # weighted within-brand centring
  R <- cov.wt(v, wt = d$w, cor = TRUE)$cor
  e <- eigen(R[1:k, 1:k], symmetric = TRUE)
  lam_half <- e$vectors %*% diag(sqrt(e$values)) %*% t(e$vectors)
  beta <- solve(lam_half, R[1:k, k + 1])
  as.vector(lam_half^2 %*% beta^2)
}

driver_cases <- list(
  list(case = "stacked_all", data = drivers, with_brand = TRUE),
  list(case = "stacked_potential", data = drivers[drivers$potential == 1, ], with_brand = TRUE),
  list(case = "stacked_rows", data = drivers[drivers$row_potential == 1, ], with_brand = TRUE),
  list(case = "brand_B", data = drivers[drivers$brand == "B", ], with_brand = FALSE)
)
driver_out <- do.call(rbind, lapply(driver_cases, function(cs) {
  data.frame(case = cs$case, attribute = attr_names, lmg = lmg(cs$data, cs$with_brand),
             johnson = johnson(cs$data, cs$with_brand), r2 = partial_r2(cs$data, 1:k, cs$with_brand))
}))
save(driver_out, "drivers_r.csv")

# ---------------------------------------------------------------------------------------------------------------
# 2. Image map: correspondence analysis of the weighted brand x attribute table with ca::ca.
#    The sample: 300 respondents x 6 brands x 5 attributes (0/1 associations), one weight per respondent.
set.seed(20240612)
n_resp <- 300
ca_brands <- paste0("brand", 1:6)
ca_attrs <- c("modern", "trusted", "fun", "value", "premium")
ca_w <- round(runif(n_resp, 0.3, 3), 4)
profile <- matrix(runif(6 * 5, 0.05, 0.7), 6, 5)
image <- do.call(rbind, lapply(1:6, function(b) {
  x <- sapply(1:5, function(a) rbinom(n_resp, 1, profile[b, a]))
  colnames(x) <- ca_attrs
  data.frame(resp = seq_len(n_resp), brand = ca_brands[b], x, w = ca_w)
}))
save(image, "image.csv")
# N[b, a] = sum over respondents of w * x
N <- as.matrix(aggregate(image[, ca_attrs] * image$w, by = list(brand = image$brand), FUN = sum)[, ca_attrs])
rownames(N) <- ca_brands
fit <- ca(N)  # ca::ca(N): sv, rowmass, colmass, rowcoord / colcoord (standard), rowinertia, colinertia
nd <- length(fit$sv)
ca_points <- function(kind, labels, mass, standard, inertia) {
  principal <- sweep(standard[, 1:nd, drop = FALSE], 2, fit$sv, "*")
  do.call(rbind, lapply(1:nd, function(k) data.frame(
    kind = kind, label = labels, dim = k, mass = mass, inertia = inertia, standard = standard[, k],
    principal = principal[, k],
    ctr = mass * standard[, k]^2,                # contribution: mass x standard coordinate^2
    cos2 = mass * principal[, k]^2 / inertia      # quality: mass x principal^2 / point inertia
  )))
}
save(rbind(ca_points("row", ca_brands, fit$rowmass, fit$rowcoord, fit$rowinertia),
           ca_points("column", ca_attrs, fit$colmass, fit$colcoord, fit$colinertia)), "image_points_r.csv")
save(data.frame(dim = 1:nd, sv = fit$sv, inertia = fit$sv^2, total = sum(fit$rowinertia)), "image_dims_r.csv")
save(data.frame(brand = ca_brands, N), "image_table_r.csv")

# ---------------------------------------------------------------------------------------------------------------
# 3. Mental availability: 500 respondents raked on age and gender; 5 category entry points x 4 brands pick-any;
#    category buyers are the base. Per brand: L = CEPs linked to the brand, T = links to all brands,
#    A = 1 if L >= 1.
set.seed(20240613)
n_resp <- 500
ma_margins <- list(age = c(young = 0.3, middle = 0.35, old = 0.35), gender = c(female = 0.52, male = 0.48))
ma <- data.frame(
  resp = seq_len(n_resp),
  age = factor(sample(names(ma_margins$age), n_resp, TRUE, prob = c(0.45, 0.35, 0.2)), levels = names(ma_margins$age)),
  gender = factor(sample(names(ma_margins$gender), n_resp, TRUE, prob = c(0.6, 0.4)), levels = names(ma_margins$gender))
)
ma$buyer <- rbinom(n_resp, 1, ifelse(ma$age == "young", 0.8, 0.6))
salience <- c(0.35, 0.2, 0.12, 0.05)
for (b in 1:4) for (cc in 1:5) {
  p <- plogis(qlogis(salience[b]) + 0.3 * (cc - 3) + 0.6 * (ma$age == "young") * (b == 2))
  ma[[sprintf("c%d_b%d", cc, b)]] <- rbinom(n_resp, 1, p)
}
save(ma, "mental.csv")
for (b in 1:4) {
  ma[[paste0("L", b)]] <- rowSums(ma[, sprintf("c%d_b%d", 1:5, b)])
  ma[[paste0("A", b)]] <- as.integer(ma[[paste0("L", b)]] >= 1)
}
ma$T <- ma$L1 + ma$L2 + ma$L3 + ma$L4
ma_pop <- c("(Intercept)" = n_resp, agemiddle = 0.35 * n_resp, ageold = 0.35 * n_resp, gendermale = 0.48 * n_resp)
ma_des <- calibrate(svydesign(ids = ~1, weights = ~1, data = ma), ~age + gender, population = ma_pop,
                    calfun = "raking", epsilon = 1e-12, maxit = 1000)
d <- subset(ma_des, buyer == 1)
ma_out <- do.call(rbind, lapply(1:4, function(b) {
  L <- as.formula(paste0("~L", b)); A <- as.formula(paste0("~A", b))
  mms <- svyratio(L, ~T, d)                      # mental market share
  pen <- svymean(A, d)                           # mental penetration
  pen_ci <- attr(suppressWarnings(svyciprop(A, d, method = "logit")), "ci")  # (zero-weight rows: a note)
  ns <- svyratio(L, A, d)                        # network size
  num <- function(v) unname(as.numeric(v))
  row <- function(measure, est, se, ci) data.frame(brand = b, measure = measure, estimate = num(est),
                                                   se = num(se), ci_low = num(ci)[1], ci_high = num(ci)[2],
                                                   df = degf(d))
  rbind(
    row("mms", coef(mms), SE(mms), confint(mms, df = degf(d))),
    row("penetration", coef(pen), SE(pen), pen_ci),
    row("network", coef(ns), SE(ns), confint(ns, df = degf(d)))
  )
}))
save(ma_out, "mental_r.csv")

# ---------------------------------------------------------------------------------------------------------------
# 4. Fay-Herriot: 25 segments with direct estimates of a proportion, their sampling variances (effective bases
#    30 to 150) and one covariate (the segment's estimate a year earlier). REML written out from the restricted
#    log-likelihood and maximised with optimize(); Prasad-Rao moments; EBLUP; MSE g1 + g2 + 2 g3
#    (Prasad & Rao 1990, Datta & Lahiri 2000; Rao & Molina 2015, sections 6.1-6.2).
set.seed(20240614)
m <- 25
fh <- data.frame(segment = sprintf("seg%02d", 1:m), earlier = round(runif(m, 0.15, 0.6), 4),
                 n_eff = round(runif(m, 30, 150)))
theta <- 0.03 + 0.9 * fh$earlier + rnorm(m, 0, 0.04)
fh$direct <- rbinom(m, fh$n_eff, theta) / fh$n_eff
fh$variance <- pmax(fh$direct * (1 - fh$direct), 0.05) / fh$n_eff
save(fh, "fay_herriot.csv")

X <- cbind(1, fh$earlier); y <- fh$direct; psi <- fh$variance; p <- ncol(X)
reml_loglik <- function(s2) {
  V <- s2 + psi; Vi <- diag(1 / V)
  XtViX <- t(X) %*% Vi %*% X
  P <- Vi - Vi %*% X %*% solve(XtViX) %*% t(X) %*% Vi
  -0.5 * (sum(log(V)) + as.numeric(determinant(XtViX)$modulus) + as.numeric(t(y) %*% P %*% y))
}
s2_reml <- optimize(reml_loglik, c(0, 1), maximum = TRUE, tol = 1e-14)$maximum
ols <- lm(y ~ X - 1)
h <- diag(X %*% solve(t(X) %*% X) %*% t(X))
s2_pr <- max(0, (sum(residuals(ols)^2) - sum(psi * (1 - h))) / (m - p))
fh_fit <- function(s2, method) {
  V <- s2 + psi
  XtViX_inv <- solve(t(X) %*% (X / V))
  beta <- XtViX_inv %*% t(X) %*% (y / V)
  gamma <- s2 / V
  synth <- as.vector(X %*% beta)
  vbar <- if (method == "REML") 2 / sum(1 / V^2) else 2 * sum(V^2) / m^2
  g1 <- gamma * psi
  g2 <- (1 - gamma)^2 * rowSums((X %*% XtViX_inv) * X)
  g3 <- psi^2 / V^3 * vbar
  data.frame(method = method, segment = fh$segment, sigma2_v = s2, beta0 = beta[1], beta1 = beta[2],
             eblup = gamma * y + (1 - gamma) * synth, mse = g1 + g2 + 2 * g3, gamma = gamma)
}
save(rbind(fh_fit(s2_reml, "REML"), fh_fit(s2_pr, "PR")), "fay_herriot_r.csv")
