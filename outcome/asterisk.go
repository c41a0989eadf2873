package outcome

type asteriskState struct{}

func (s *asteriskState) init() {}
