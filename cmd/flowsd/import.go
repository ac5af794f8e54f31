package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/flowsd/flowsd/flows"
	"github.com/flowsd/flowsd/models"
	"github.com/flowsd/flowsd/runtime"
)

// importExports imports RapidPro export files into a workspace: every file is read and checked first, then all
// of them are written in one transaction, so a bad file anywhere means nothing is written. It prints what was
// imported: {"flows": [{"uuid", "name"}], "campaigns": [...], "fields": [{"key", "name"}], "groups": [...]}.
func importExports(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("flowsd import", flag.ContinueOnError)
	config := runtime.Flags(fs, "db")
	workspace := fs.String("workspace", "", "UUID of the workspace to import into (required)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: flowsd import --workspace UUID [--db URL] FILE...\n\nImports RapidPro export files (flows, campaigns, triggers, fields, groups).\n\n")
		fs.PrintDefaults()
	}
	files, err := parseFlagsAndFiles(fs, args, stderr)
	if err != nil {
		return err
	}
	if *workspace == "" {
		return usageError{"--workspace is required"}
	}
	if len(files) == 0 {
		return usageError{"no export file given"}
	}
	docs := make([]flows.Document, len(files))
	for i, name := range files {
		data, err := readExportFile(name)
		if err != nil {
			return err
		}
		docs[i] = flows.Document{Name: name, Data: data}
	}
	spec, err := flows.ParseExports(docs...)
	if err != nil {
		return err
	}

	ctx := context.Background()
	a, ws, err := openIn(ctx, config, *workspace)
	if err != nil {
		return err
	}
	defer a.close()

	result, err := flows.Import(ctx, a.store, ws, spec)
	var limit *models.LimitError
	if errors.As(err, &limit) {
		return fmt.Errorf("nothing imported: the workspace would have more %s than its limit of %d", limit.Kind, a.store.Limit(limit.Kind))
	} else if err != nil {
		return fmt.Errorf("nothing imported: %w", err)
	}
	if err := a.drain(ctx, flows.EvaluateGroups(a.store)); err != nil {
		return fmt.Errorf("imported, but evaluating its smart groups failed (they are evaluated again by the next flowsd serve): %w", err)
	}
	return printJSON(stdout, importOutput(result))
}

// parseFlagsAndFiles parses flags wherever they are among the file names.
func parseFlagsAndFiles(fs *flag.FlagSet, args []string, stderr io.Writer) ([]string, error) {
	fs.SetOutput(stderr)
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return files, nil
		}
		files, args = append(files, args[0]), args[1:]
	}
}

// readExportFile reads an export, refusing files over flows.MaxExportBytes.
func readExportFile(name string) ([]byte, error) {
	data, err := readUpTo(name, flows.MaxExportBytes)
	if err != nil {
		return nil, err
	}
	if len(data) > flows.MaxExportBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes, the most an export may be", name, flows.MaxExportBytes)
	}
	return data, nil
}

// readUpTo reads a file, at most one byte more than limit: the caller refuses it if there was more.
func readUpTo(name string, limit int) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return data, nil
}

type importedRef struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
}

type importedField struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

type imported struct {
	Flows     []importedRef   `json:"flows"`
	Campaigns []importedRef   `json:"campaigns"`
	Fields    []importedField `json:"fields"`
	Groups    []importedRef   `json:"groups"`
}

// importOutput is what the command prints, the same object POST /api/v2/definitions.json answers.
func importOutput(r *models.ImportResult) imported {
	out := imported{Flows: []importedRef{}, Campaigns: []importedRef{}, Fields: []importedField{}, Groups: []importedRef{}}
	for _, f := range r.Flows {
		out.Flows = append(out.Flows, importedRef(f))
	}
	for _, c := range r.Campaigns {
		out.Campaigns = append(out.Campaigns, importedRef(c))
	}
	for _, f := range r.Fields {
		out.Fields = append(out.Fields, importedField(f))
	}
	for _, g := range r.Groups {
		out.Groups = append(out.Groups, importedRef(g))
	}
	return out
}
