// Package config loads voip_exporter's YAML file: instances per source, probe
// modules and global defaults, with ${ENV} expansion, VOIP_EXPORTER_<KEY>
// overrides and errors that name the file and line.
package config
