package sentiment

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// ErrBadModel is wrapped by errors decoding an embedded model or lexicon.
var ErrBadModel = errors.New("sentiment: bad model data")

// Classes in model order.
const (
	ClassNeg = 0
	ClassNeu = 1
	ClassPos = 2
	NClass   = 3
)

// Labels are the class names in model order.
var Labels = [NClass]string{"neg", "neu", "pos"}

// Model is a multinomial logistic regression over hashed features.
type Model struct {
	Bits uint8
	// W holds NClass weights per bucket, bucket-major, so one feature is one
	// cache line.
	W    []float32
	Bias [NClass]float32
	// Opts are the feature options the model was trained with.
	Opts FeatureOptions
	// Prior is the fixed weight of the rule score on the logits: it keeps
	// clear rule evidence (emoji, idioms) decisive where the training data
	// is silent. The trained weights learn the residual.
	Prior float32
	// Mix is the weight of the rule layer's distribution in Predict.
	Mix float32
}

// Predict returns class probabilities: the model's softmax (with the rule
// prior) mixed with the rule layer's own distribution at weight Mix, so a
// strong rule signal wins where the model is unsure.
func (m *Model) Predict(f []Feature, ruleScore float64) [NClass]float64 {
	p := Softmax(m.LogitsWithPrior(f, ruleScore))
	a := float64(m.Mix)
	s := math.Max(-1, math.Min(1, ruleScore))
	p[ClassPos] = (1-a)*p[ClassPos] + a*math.Max(s, 0)
	p[ClassNeg] = (1-a)*p[ClassNeg] + a*math.Max(-s, 0)
	p[ClassNeu] = (1-a)*p[ClassNeu] + a*(1-math.Abs(s))
	return p
}

// LogitsWithPrior adds the rule-score prior to Logits.
func (m *Model) LogitsWithPrior(f []Feature, ruleScore float64) [NClass]float64 {
	z := m.Logits(f)
	p := float64(m.Prior) * ruleScore
	z[ClassPos] += p
	z[ClassNeg] -= p
	z[ClassNeu] -= math.Abs(p)
	return z
}

// NewModel allocates an empty model with 2^bits buckets.
func NewModel(bits uint8) *Model {
	return &Model{Bits: bits, W: make([]float32, NClass<<bits)}
}

// Logits computes the class scores for a feature vector.
func (m *Model) Logits(f []Feature) [NClass]float64 {
	var z [NClass]float64
	for c := range z {
		z[c] = float64(m.Bias[c])
	}
	mask := uint32(1)<<m.Bits - 1
	for _, x := range f {
		b := int(x.Index&mask) * NClass
		w := m.W[b : b+NClass : b+NClass]
		v := float64(x.Value)
		z[0] += float64(w[0]) * v
		z[1] += float64(w[1]) * v
		z[2] += float64(w[2]) * v
	}
	return z
}

// Softmax turns logits into probabilities.
func Softmax(z [NClass]float64) [NClass]float64 {
	mx := math.Max(z[0], math.Max(z[1], z[2]))
	var p [NClass]float64
	s := 0.0
	for c := range z {
		p[c] = math.Exp(z[c] - mx)
		s += p[c]
	}
	for c := range p {
		p[c] /= s
	}
	return p
}

const modelMagic = "VSNT1"

// Encode writes the model compactly: gzip of the non-zero buckets, indices
// delta-encoded, weights quantised to int16 with one global scale.
func (m *Model) Encode(w io.Writer) error {
	var maxAbs float32
	for _, v := range m.W {
		if a := float32(math.Abs(float64(v))); a > maxAbs {
			maxAbs = a
		}
	}
	if maxAbs == 0 {
		maxAbs = 1
	}
	scale := maxAbs / 32767
	var buf bytes.Buffer
	buf.WriteString(modelMagic)
	buf.WriteByte(m.Bits)
	_ = binary.Write(&buf, binary.LittleEndian, scale)
	_ = binary.Write(&buf, binary.LittleEndian, m.Bias)
	_ = binary.Write(&buf, binary.LittleEndian, [6]float32{b2f32(m.Opts.CharGrams), m.Opts.CharWeight, b2f32(m.Opts.Bigrams), m.Opts.RuleWeight, m.Prior, m.Mix})
	var tmp [binary.MaxVarintLen64]byte
	prev := -1
	n := len(m.W) / NClass
	for b := 0; b < n; b++ {
		w := m.W[b*NClass : b*NClass+NClass]
		q := [NClass]int16{}
		nz := false
		for c := range q {
			q[c] = int16(math.Round(float64(w[c] / scale)))
			nz = nz || q[c] != 0
		}
		if !nz {
			continue
		}
		k := binary.PutUvarint(tmp[:], uint64(b-prev))
		buf.Write(tmp[:k])
		_ = binary.Write(&buf, binary.LittleEndian, q)
		prev = b
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("sentiment: encode model: %w", err)
	}
	if _, err := zw.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("sentiment: encode model: %w", err)
	}
	return zw.Close()
}

// DecodeModel reads a model written by Encode.
func DecodeModel(data []byte) (*Model, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadModel, err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, 64<<20))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadModel, err)
	}
	if len(raw) < len(modelMagic)+1+4+4*NClass || string(raw[:len(modelMagic)]) != modelMagic {
		return nil, fmt.Errorf("%w: missing header", ErrBadModel)
	}
	r := bytes.NewReader(raw[len(modelMagic):])
	bits, _ := r.ReadByte()
	if bits < 8 || bits > 24 {
		return nil, fmt.Errorf("%w: %d hash bits out of range", ErrBadModel, bits)
	}
	m := NewModel(bits)
	var scale float32
	if err := binary.Read(r, binary.LittleEndian, &scale); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadModel, err)
	}
	if err := binary.Read(r, binary.LittleEndian, &m.Bias); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadModel, err)
	}
	var o [6]float32
	if err := binary.Read(r, binary.LittleEndian, &o); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadModel, err)
	}
	m.Opts = FeatureOptions{CharGrams: o[0] != 0, CharWeight: o[1], Bigrams: o[2] != 0, RuleWeight: o[3]}
	m.Prior, m.Mix = o[4], o[5]
	b := -1
	n := len(m.W) / NClass
	for r.Len() > 0 {
		d, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadModel, err)
		}
		b += int(d)
		var q [NClass]int16
		if err := binary.Read(r, binary.LittleEndian, &q); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadModel, err)
		}
		if b < 0 || b >= n {
			return nil, fmt.Errorf("%w: bucket %d out of range", ErrBadModel, b)
		}
		for c := range q {
			m.W[b*NClass+c] = float32(q[c]) * scale
		}
	}
	return m, nil
}

func b2f32(b bool) float32 {
	if b {
		return 1
	}
	return 0
}
