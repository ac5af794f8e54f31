package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/flowsd/flowsd/models"
)

// boundariesOut is what flowsd boundaries import prints: the boundaries each level holds now, and what the
// import added, updated and removed.
type boundariesOut struct {
	Levels  map[string]int `json:"levels"`
	Added   int            `json:"added"`
	Updated int            `json:"updated"`
	Removed int            `json:"removed"`
}

// boundariesCommand is flowsd boundaries import: a workspace's administrative boundaries from GeoJSON files in
// the format RapidPro's import_geojson reads. The files together are the whole tree: all are read and checked
// first, then written in one transaction, and boundaries no file holds any more are removed.
func boundariesCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return usageError{`unknown command: use "flowsd boundaries import"`}
	}
	cmd := newWorkspaceCommand("flowsd boundaries import")
	cmd.fs.Usage = func() {
		fmt.Fprintf(cmd.fs.Output(), "Usage: flowsd boundaries import --workspace UUID [--db URL] FILE...\n\n"+
			"Imports a workspace's boundaries from GeoJSON FeatureCollections (R171496admin0_simplified.json, …).\n\n")
		cmd.fs.PrintDefaults()
	}
	files, err := parseFlagsAndFiles(cmd.fs, args[1:], stderr)
	if err != nil {
		return err
	}
	if *cmd.workspace == "" {
		return usageError{"--workspace is required"}
	}
	if len(files) == 0 {
		return usageError{"no GeoJSON file given"}
	}
	var specs []models.BoundarySpec
	for _, name := range files {
		data, err := readUpTo(name, models.MaxBoundaryFileSize) // ParseBoundaryFile refuses more
		if err != nil {
			return err
		}
		got, err := models.ParseBoundaryFile(name, data)
		if err != nil {
			return fmt.Errorf("nothing imported: %w", err)
		}
		specs = append(specs, got...)
	}
	if _, err := models.CheckBoundaryTree(specs); err != nil {
		return fmt.Errorf("nothing imported: %w", err)
	}

	ctx := context.Background()
	a, ws, err := openIn(ctx, cmd.config, *cmd.workspace)
	if err != nil {
		return err
	}
	defer a.close()
	res, err := a.store.ImportBoundaries(ctx, ws.ID, specs)
	if err != nil {
		return fmt.Errorf("nothing imported: %w", err)
	}
	out := boundariesOut{Levels: map[string]int{}, Added: res.Added, Updated: res.Updated, Removed: res.Removed}
	for level, n := range res.Levels {
		out.Levels[strconv.Itoa(int(level))] = n
	}
	return printJSON(stdout, out)
}
