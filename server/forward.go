package server

import (
	"time"

	"github.com/ferrysync/ferry/engine/forward"
	"github.com/ferrysync/ferry/protocol"
)

func toWireForward(s forward.State) protocol.ForwardSession {
	return protocol.ForwardSession{
		Seq: s.Seq, ID: s.Spec.ID, Name: s.Spec.Name, Labels: s.Spec.Labels,
		Source: s.Spec.Source, Destination: s.Spec.Destination,
		SourceConnected: s.SourceConnected, DestinationConnected: s.DestinationConnected,
		Paused: s.Spec.Paused, CreatedAt: s.Spec.CreatedAt.Format(time.RFC3339),
		Status: string(s.Status), OpenConnections: s.Open, TotalConnections: s.Total,
		FailedConnections: s.Failed, BytesOut: s.BytesOut, BytesIn: s.BytesIn,
		LastError: s.LastError, Terminated: s.Terminated,
	}
}
