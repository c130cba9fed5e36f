# Reference results from R's survey package for recognition.stats (weighting + estimation).
#
# Run from the repository root:   Rscript tests/reference/make_fixtures.R
# Writes tests/reference/fixtures/{main,small,interlocked}.csv (the samples) and results.json (R's numbers).
# tests/reference/test_against_r.py compares recognition.stats with these files; it never needs R.
#
# Every design: svydesign(ids = ~1, weights = ~base_weight), then
#   calibrate(design, ~margins, population = totals, calfun = "raking", epsilon = 1e-12, maxit = 1000)
# with population totals on the scale of the sample (intercept = n), so calibrated weights have mean 1, like
# recognition.stats.rake().

suppressMessages(library(survey))
suppressMessages(library(jsonlite))

set.seed(20240601)
out_dir <- file.path("tests", "reference", "fixtures")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

us <- list(
  age = c("18-24" = 0.117, "25-34" = 0.174, "35-44" = 0.171, "45-54" = 0.153, "55-64" = 0.156, "65+" = 0.229),
  gender = c(female = 0.510, male = 0.490),
  region = c(Northeast = 0.174, Midwest = 0.205, South = 0.386, West = 0.235),
  education = c(hs_or_less = 0.381, some_college_associate = 0.295, bachelors_plus = 0.324)
)

draw <- function(n, shares) {
  # A skewed sample: level probabilities tilted away from the population shares.
  tilt <- seq(0.5, 1.5, length.out = length(shares))
  p <- shares * tilt / sum(shares * tilt)
  factor(sample(names(shares), n, replace = TRUE, prob = p), levels = names(shares))
}

make_sample <- function(n, with_base_weights) {
  df <- data.frame(
    age = draw(n, us$age), gender = draw(n, us$gender), region = draw(n, us$region),
    education = draw(n, us$education)
  )
  young <- as.integer(df$age) <= 2
  df$segment <- sample(c("current", "lapsed", "never"), n, replace = TRUE, prob = c(0.25, 0.15, 0.6))
  df$aware <- rbinom(n, 1, plogis(-0.2 + 0.8 * young + 0.3 * (df$gender == "male") + 0.2 * (df$segment == "current")))
  df$consider <- rbinom(n, 1, ifelse(df$aware == 1, 0.45, 0.05))
  df$rare <- rbinom(n, 1, 0.012)
  df$nps <- sample(c(-100, 0, 100), n, replace = TRUE, prob = c(0.3, 0.35, 0.35))
  df$base_weight <- if (with_base_weights) round(runif(n, 0.5, 2), 3) else 1
  df
}

totals <- function(formula, margins, n) {
  # Named population totals in model.matrix column order (first level of each factor is the reference).
  pop <- c("(Intercept)" = n)
  for (v in all.vars(formula)) {
    s <- margins[[v]]
    pop <- c(pop, setNames(s[-1] * n, paste0(v, names(s)[-1])))
  }
  pop
}

estimates_for <- function(des, outcome, kind, domain_var = NULL, domain_level = NULL, level = 0.95) {
  d <- if (is.null(domain_var)) des else des[des$variables[[domain_var]] == domain_level, ]
  f <- as.formula(paste0("~", outcome))
  # svymean(~y, d, deff = "replace"): estimate, linearised SE with calibration residuals, design effect
  m <- svymean(f, d, deff = "replace")
  res <- list(
    outcome = outcome, kind = kind, domain_var = domain_var, domain_level = domain_level, level = level,
    estimate = unname(coef(m)), se = unname(SE(m)), deff = unname(deff(m)), df = degf(d)
  )
  if (kind == "proportion") {
    # svyciprop(~y, d, method = "logit"|"beta", level = level)
    res$ci_logit <- unname(attr(svyciprop(f, d, method = "logit", level = level), "ci"))
    res$ci_beta <- unname(attr(svyciprop(f, d, method = "beta", level = level), "ci"))
  } else {
    # confint(svymean(~y, d), level = level, df = degf(d)): estimate ± t(df) · se
    res$ci_t <- unname(confint(m, level = level, df = degf(d))[1, ])
  }
  res
}

contrast_for <- function(des, a, b, domain_var = NULL, domain_level = NULL) {
  d <- if (is.null(domain_var)) des else des[des$variables[[domain_var]] == domain_level, ]
  # svycontrast(svymean(~a + b, d), c(1, -1))
  m <- svymean(as.formula(paste0("~", a, "+", b)), d)
  cc <- svycontrast(m, c(1, -1))
  list(a = a, b = b, domain_var = domain_var, domain_level = domain_level,
       estimate = unname(coef(cc)), se = unname(SE(cc)), df = degf(d))
}

calibrated <- function(df, formula, margins) {
  des <- svydesign(ids = ~1, weights = ~base_weight, data = df)
  calibrate(des, formula, population = totals(formula, margins, nrow(df)), calfun = "raking",
            epsilon = 1e-12, maxit = 1000)
}

results <- list()

# 1. main: n = 1500, four census margins, no base weights.
main <- make_sample(1500, FALSE)
f_main <- ~age + gender + region + education
des <- calibrated(main, f_main, us)
results$main <- list(
  file = "main.csv", targets = lapply(us, as.list), weights = unname(weights(des)),
  estimates = list(
    estimates_for(des, "aware", "proportion"),
    estimates_for(des, "consider", "proportion"),
    estimates_for(des, "rare", "proportion"),
    estimates_for(des, "aware", "proportion", level = 0.9),
    estimates_for(des, "aware", "proportion", "segment", "lapsed"),
    estimates_for(des, "rare", "proportion", "segment", "never"),
    estimates_for(des, "nps", "mean"),
    estimates_for(des, "nps", "mean", "segment", "current")
  ),
  contrasts = list(
    contrast_for(des, "aware", "consider"),
    contrast_for(des, "aware", "consider", "segment", "never")
  )
)
write.csv(main, file.path(out_dir, "main.csv"), row.names = FALSE)

# 2. small: n = 100 with unequal base weights (d enters the calibration residuals).
small <- make_sample(100, TRUE)
des <- calibrated(small, f_main, us)
results$small <- list(
  file = "small.csv", targets = lapply(us, as.list), weights = unname(weights(des)),
  estimates = list(
    estimates_for(des, "aware", "proportion"),
    estimates_for(des, "rare", "proportion"),
    estimates_for(des, "consider", "proportion", "segment", "current"),
    estimates_for(des, "nps", "mean")
  ),
  contrasts = list(contrast_for(des, "aware", "consider"))
)
write.csv(small, file.path(out_dir, "small.csv"), row.names = FALSE)

# 3. interlocked: age (3 groups) x gender cells as one margin, plus region.
inter <- make_sample(800, FALSE)
inter$age3 <- factor(ifelse(as.integer(inter$age) <= 2, "18-34", ifelse(as.integer(inter$age) <= 4, "35-54", "55+")),
                     levels = c("18-34", "35-54", "55+"))
cells <- c("18-34*female" = 0.148, "18-34*male" = 0.143, "35-54*female" = 0.165, "35-54*male" = 0.159,
           "55+*female" = 0.197, "55+*male" = 0.188)
inter$`age3*gender` <- factor(paste(inter$age3, inter$gender, sep = "*"), levels = names(cells))
inter$age3_gender <- inter$`age3*gender`
margins <- list(age3_gender = cells, region = us$region)
des <- calibrated(inter, ~age3_gender + region, margins)
results$interlocked <- list(
  file = "interlocked.csv", targets = list("age3*gender" = as.list(cells), region = as.list(us$region)),
  weights = unname(weights(des)),
  estimates = list(
    estimates_for(des, "aware", "proportion"),
    estimates_for(des, "consider", "proportion", "segment", "never")
  ),
  contrasts = list()
)
inter$`age3*gender` <- NULL
inter$age3_gender <- NULL
write.csv(inter, file.path(out_dir, "interlocked.csv"), row.names = FALSE)

results$r_version <- R.version.string
results$survey_version <- as.character(packageVersion("survey"))
write_json(results, file.path(out_dir, "results.json"), auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null")
cat("wrote", out_dir, "\n")
