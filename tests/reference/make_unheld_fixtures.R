# Reference weights for answers the margins do not hold (gender "diverse" where the margins hold female and male
# only): the answer is a raking level of its own at its sample share, the held levels scaled to the rest
# (docs/METHODS.md, "Answers the margins do not hold").
#
# Run from the repository root:   Rscript tests/reference/make_unheld_fixtures.R
# Writes tests/reference/fixtures/unheld.csv (respondents, their weights and y) and unheld_estimate.csv.
# tests/reference/test_unheld_against_r.py compares recognition.stats with these files; it never needs R.
library(survey)

set.seed(20261203)
out_dir <- file.path("tests", "reference", "fixtures")
n <- 60
age <- sample(c("18-34", "35-54", "55+"), n, replace = TRUE, prob = c(0.45, 0.35, 0.2))
gender <- sample(c("female", "male", "diverse"), n, replace = TRUE, prob = c(0.55, 0.38, 0.07))
region <- sample(c("north", "south"), n, replace = TRUE, prob = c(0.6, 0.4))
y <- rbinom(n, 1, ifelse(gender == "female", 0.6, 0.4))
data <- data.frame(age, gender, region, y, stringsAsFactors = TRUE)

# The rule, computed here from its definition: s = the diverse share of the sample (base weights 1),
# the held gender targets scaled by (1 - s).
s <- mean(data$gender == "diverse")
pop_age <- data.frame(age = c("18-34", "35-54", "55+"), Freq = n * c(0.28, 0.34, 0.38))
pop_gender <- data.frame(gender = c("female", "male", "diverse"), Freq = n * c(0.511 * (1 - s), 0.489 * (1 - s), s))
pop_region <- data.frame(region = c("north", "south"), Freq = n * c(0.45, 0.55))

design <- svydesign(ids = ~1, data = data, weights = rep(1, n))
raked <- rake(design, list(~age, ~gender, ~region), list(pop_age, pop_gender, pop_region),
              control = list(maxit = 200, epsilon = 1e-12))
w <- weights(raked)
data$weight <- w / mean(w)
write.csv(data, file.path(out_dir, "unheld.csv"), row.names = FALSE)

est <- svymean(~y, raked)
write.csv(data.frame(share = s, estimate = as.numeric(coef(est)), se = as.numeric(SE(est))),
          file.path(out_dir, "unheld_estimate.csv"), row.names = FALSE)
