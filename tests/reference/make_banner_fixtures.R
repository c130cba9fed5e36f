# Reference results from R's survey package for banner-table significance letters
# (recognition.stats.domains.domain_contrasts and recognition.exports.banner.letters).
#
# Run from the repository root:   Rscript tests/reference/make_banner_fixtures.R
# Writes tests/reference/fixtures/banner/{sample,contrasts,letters}.csv; the test
# tests/reference/test_banner_against_r.py compares with them and never needs R.
#
# Design: svydesign(ids = ~1, weights = ~1), raked with
#   calibrate(design, ~age + gender + region, population = totals, calfun = "raking", epsilon = 1e-12)
# Each banner column's estimate and SE: svyby(~y, ~banner, design, svymean). Two banner columns are domains of
# the same calibrated sample; their difference is the domain contrast on that design. svyby(..., covmat = TRUE)
# stops with an error on calibrated designs in survey 4.1.1, so the contrast is taken the equivalent way:
#   m <- svymean(~yA + iA + yB + iB, design)      # yA = y * [in A], iA = [in A]
#   svycontrast(m, quote(yA / iA - yB / iB))      # the linearised (delta-method) difference of domain means
# (its per-domain SEs equal svyby's), tested with t on degf(design) = n - 1, two-sided. A column's cell gets
# the letter of every other column of its banner variable that is significantly lower at alpha = 0.05. NPS is
# a mean over its raters: in A means in the banner level and rated (svyby with na.rm = TRUE).

suppressMessages(library(survey))

set.seed(20250611)
out_dir <- file.path("tests", "reference", "fixtures", "banner")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

margins <- list(
  age = c("18-24" = 0.117, "25-34" = 0.174, "35-44" = 0.171, "45-54" = 0.153, "55-64" = 0.156, "65+" = 0.229),
  gender = c(female = 0.510, male = 0.490),
  region = c(Northeast = 0.174, Midwest = 0.205, South = 0.386, West = 0.235)
)
n <- 900
draw <- function(shares) {
  tilt <- seq(0.5, 1.5, length.out = length(shares))
  p <- shares * tilt / sum(shares * tilt)
  factor(sample(names(shares), n, replace = TRUE, prob = p), levels = names(shares))
}
df <- data.frame(age = draw(margins$age), gender = draw(margins$gender), region = draw(margins$region))
df$customer <- factor(sample(c("current", "lapsed", "never"), n, replace = TRUE, prob = c(0.3, 0.2, 0.5)),
                      levels = c("current", "lapsed", "never"))
young <- as.integer(df$age) <= 2
df$aware <- rbinom(n, 1, plogis(-0.4 + 1.0 * young + 0.3 * (df$gender == "male") + 0.8 * (df$customer == "current")))
df$consider <- rbinom(n, 1, ifelse(df$aware == 1, 0.35 + 0.25 * (df$customer == "current"), 0.04))
df$rare <- rbinom(n, 1, 0.01)
rated <- runif(n) < ifelse(df$customer == "never", 0.3, 0.9)
df$nps <- ifelse(rated, sample(c(-100, 0, 100), n, replace = TRUE, prob = c(0.25, 0.35, 0.4)), NA)

pop <- c("(Intercept)" = n)
for (v in names(margins)) {
  s <- margins[[v]]
  pop <- c(pop, setNames(s[-1] * n, paste0(v, names(s)[-1])))
}
des0 <- svydesign(ids = ~1, weights = ~1, data = df)
cal <- calibrate(des0, ~age + gender + region, population = pop, calfun = "raking", epsilon = 1e-12,
                 maxit = 1000)
df$weight <- weights(cal)
write.csv(df, file.path(out_dir, "sample.csv"), row.names = FALSE, na = "")

contrasts <- list()
letter_rows <- list()
for (outcome in c("aware", "consider", "rare", "nps")) {
  y <- ifelse(is.na(df[[outcome]]), 0, df[[outcome]])
  rated <- !is.na(df[[outcome]])
  for (banner in c("age", "region", "customer")) {
    levs <- levels(df[[banner]])
    by <- svyby(as.formula(paste0("~", outcome)), as.formula(paste0("~", banner)),
                cal, svymean, na.rm = TRUE)
    extra <- list()
    for (i in seq_along(levs)) {
      inside <- as.numeric(df[[banner]] == levs[i] & rated)
      extra[[paste0("y", i)]] <- y * inside
      extra[[paste0("i", i)]] <- inside
    }
    des <- do.call(update, c(list(cal), extra))
    m <- svymean(as.formula(paste("~", paste(names(extra), collapse = " + "))), des)
    lettered <- setNames(rep("", length(levs)), levs)
    for (i in seq_along(levs)) for (j in seq_along(levs)) {
      if (i >= j) next
      expr <- parse(text = sprintf("y%d / i%d - y%d / i%d", i, i, j, j))[[1]]
      sc <- svycontrast(m, list(d = expr))
      d <- as.numeric(coef(sc))
      se <- as.numeric(SE(sc))
      p <- 2 * pt(-abs(d / se), df = degf(cal))
      contrasts[[length(contrasts) + 1]] <- data.frame(
        outcome = outcome, banner = banner, a = levs[i], b = levs[j],
        estimate_a = coef(by)[[i]], se_a = SE(by)[[i]], estimate_b = coef(by)[[j]], se_b = SE(by)[[j]],
        difference = d, se = se, p_value = p)
      if (!is.na(p) && p < 0.05) {
        hi <- if (d > 0) i else j
        lo <- if (d > 0) j else i
        lettered[hi] <- paste0(lettered[hi], LETTERS[lo])
      }
    }
    for (i in seq_along(levs)) {
      letter_rows[[length(letter_rows) + 1]] <- data.frame(
        outcome = outcome, banner = banner, level = levs[i], column = LETTERS[i],
        letters = paste(sort(strsplit(lettered[[i]], "")[[1]]), collapse = ""))
    }
  }
}
fmt <- function(d) { d[] <- lapply(d, function(x) if (is.numeric(x)) sprintf("%.17g", x) else x); d }
write.csv(fmt(do.call(rbind, contrasts)), file.path(out_dir, "contrasts.csv"), row.names = FALSE)
write.csv(do.call(rbind, letter_rows), file.path(out_dir, "letters.csv"), row.names = FALSE)
cat("wrote", out_dir, "\n")
