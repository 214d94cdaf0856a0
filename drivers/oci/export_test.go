package oci

// setCopyRootfs forces the copy fallback of the writable layer.
func (d *Driver) setCopyRootfs(v bool) {
	d.mu.Lock()
	d.copyRootfs = v
	d.mu.Unlock()
}
