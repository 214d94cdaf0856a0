package network

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
)

// masqChain is the name the bridge plugin gives its per-container
// masquerade chain.
var masqChain = regexp.MustCompile(`^CNI-[0-9a-f]{1,24}$`)

// removeMasquerade removes the bridge plugin's outbound masquerade rules
// of one container from the nat table. The plugin finds them through the
// container's interface and so cannot when the namespace is gone, which
// happens when the pin was made in a mount namespace that has since ended
// (a service's private one, say); after a reboot there are none to remove.
// The rules are found by the comment the plugin puts on them.
func (m *Manager) removeMasquerade(ctx context.Context, id, ip string) error {
	if ip == "" {
		return nil
	}
	out, err := exec.CommandContext(ctx, "iptables", "-w", "-t", "nat", "-S", "POSTROUTING").Output()
	if err != nil {
		return fmt.Errorf("list nat POSTROUTING rules: %w", cmdErr(err))
	}
	comment := fmt.Sprintf("name: %q id: %q", NetworkName, id)
	printed := fmt.Sprintf("-s %s/32 -m comment --comment %q -j ", ip, comment)
	for _, line := range strings.Split(string(out), "\n") {
		rest, ok := strings.CutPrefix(line, "-A POSTROUTING "+printed)
		if !ok || !masqChain.MatchString(rest) {
			continue
		}
		chain := rest
		for _, args := range [][]string{
			{"-D", "POSTROUTING", "-s", ip + "/32", "-m", "comment", "--comment", comment, "-j", chain},
			{"-F", chain},
			{"-X", chain},
		} {
			full := append([]string{"-w", "-t", "nat"}, args...)
			if err := exec.CommandContext(ctx, "iptables", full...).Run(); err != nil {
				return fmt.Errorf("iptables %s: %w", strings.Join(full, " "), cmdErr(err))
			}
		}
		m.logger.Debug("removed masquerade rules of a lost namespace", "id", id, "chain", chain)
	}
	return nil
}

// cmdErr adds a command's stderr to its error.
func cmdErr(err error) error {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(ee.Stderr))
	}
	return err
}
