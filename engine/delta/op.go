package delta

// OpKind says what an Op does.
type OpKind uint8

const (
	// OpCopy writes Count consecutive blocks of the base, from Block on.
	OpCopy OpKind = 1
	// OpData writes Data, literal bytes of the target.
	OpData OpKind = 2
)

// MaxDataLen is the most bytes one OpData carries: Diff cuts literal runs
// into chunks of at most this size, so a receiver can stream them, and ReadOp
// rejects larger ones.
const MaxDataLen = 64 << 10

// Op is one step of rebuilding the target from the base.
type Op struct {
	Kind  OpKind
	Block uint32 // OpCopy: index of the first block
	Count uint32 // OpCopy: number of consecutive blocks, at least 1
	Data  []byte // OpData: 1 to MaxDataLen literal bytes
}

func (k OpKind) String() string {
	switch k {
	case OpCopy:
		return "copy"
	case OpData:
		return "data"
	}
	return "invalid"
}
