package alert

import "math"

// logPoissonTail returns ln P(X >= k) for X ~ Poisson(lambda). It is exact
// (a convergent series) for k > lambda, the only case a spike test needs;
// for k <= lambda it returns 0 (probability ~1, not a spike).
func logPoissonTail(k int, lambda float64) float64 {
	if k <= 0 || float64(k) <= lambda {
		return 0
	}
	if lambda <= 0 {
		return math.Inf(-1)
	}
	lg, _ := math.Lgamma(float64(k) + 1)
	// first term: ln(e^-λ λ^k / k!)
	first := -lambda + float64(k)*math.Log(lambda) - lg
	// sum of term ratios: 1 + λ/(k+1) + λ²/((k+1)(k+2)) + ...
	sum, t := 1.0, 1.0
	for i := k + 1; i < k+100000; i++ {
		t *= lambda / float64(i)
		sum += t
		if t < 1e-12*sum {
			break
		}
	}
	return first + math.Log(sum)
}

// logNormalTail returns ln P(Z >= z) for a standard normal Z.
func logNormalTail(z float64) float64 {
	return math.Log(0.5 * math.Erfc(z/math.Sqrt2))
}

// poissonZ converts a Poisson tail into the equivalent one-sided z-score, so
// one "sensitivity" reads the same for every detector.
func poissonZ(k int, lambda float64) float64 {
	lp := logPoissonTail(k, lambda)
	if lp >= 0 {
		return 0
	}
	// invert the normal tail by bisection: monotone and cheap enough
	lo, hi := 0.0, 40.0
	for range 60 {
		mid := (lo + hi) / 2
		if logNormalTail(mid) > lp {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}
