package ort

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// EnvLibrary is the environment variable that names the ONNX Runtime shared
// library (a file, or a folder holding it).
const EnvLibrary = "EVALCTL_ORT_LIB"

// ErrLibraryNotFound is wrapped by FindLibrary and Init when no ONNX Runtime
// shared library was found.
var ErrLibraryNotFound = errors.New("onnxruntime shared library not found")

// fetchHint says how to install the library; it ends every not-found error.
const fetchHint = "run scripts/fetch-ort.sh (npm) or set " + EnvLibrary

// Platform returns the "<os>-<arch>" folder name used by the caches and by
// scripts/fetch-ort.sh, e.g. "linux-x64" or "darwin-arm64".
func Platform() string {
	arch := runtime.GOARCH
	if arch == "amd64" {
		arch = "x64"
	}
	return runtime.GOOS + "-" + arch
}

// libraryNames returns the file names of the shared library on this OS, the
// preferred (versioned, as npm ships it) first.
func libraryNames() []string {
	switch runtime.GOOS {
	case "darwin":
		return []string{"libonnxruntime.1.dylib", "libonnxruntime.dylib"}
	case "windows":
		return []string{"onnxruntime.dll"}
	}
	return []string{"libonnxruntime.so.1", "libonnxruntime.so"}
}

// systemProbe reports whether the dynamic loader can open name from its
// default search path. The cgo build replaces it with a dlopen check; the
// default scans LD_LIBRARY_PATH (DYLD_LIBRARY_PATH on macOS) and the usual
// library folders.
var systemProbe = func(name string) bool {
	var dirs []string
	env := "LD_LIBRARY_PATH"
	if runtime.GOOS == "darwin" {
		env = "DYLD_LIBRARY_PATH"
	}
	dirs = append(dirs, filepath.SplitList(os.Getenv(env))...)
	dirs = append(dirs, "/lib", "/usr/lib", "/usr/local/lib", "/lib64", "/usr/lib64")
	if m, _ := filepath.Glob("/usr/lib/*-linux-gnu"); len(m) > 0 {
		dirs = append(dirs, m...)
	}
	for _, d := range dirs {
		if d != "" && isFile(filepath.Join(d, name)) {
			return true
		}
	}
	return false
}

// FindLibrary locates the ONNX Runtime shared library. It tries, in order:
//
//  1. explicit (the --ort-lib flag), if not empty;
//  2. $EVALCTL_ORT_LIB, if set;
//  3. the project cache: .evalctl/onnxruntime/<os>-<arch>/ in the current
//     directory or the nearest parent that has one, then the same folder
//     beside the executable and in the executable's parent folder (the
//     checkout of a `make build` binary, bin/evalctl), then the executable's
//     own folder;
//  4. the user cache: $XDG_CACHE_HOME/evalctl/onnxruntime/<os>-<arch>/
//     (~/.cache/... when XDG_CACHE_HOME is unset; os.UserCacheDir elsewhere);
//  5. the system: the dynamic loader's default search for libonnxruntime.so.1
//     or libonnxruntime.so (the .dylib names on macOS).
//
// A path in steps 1 and 2 may be the library file or a folder holding it; if
// it is given but unusable, FindLibrary fails rather than silently taking a
// different library. For step 5 the returned path is the bare file name, for
// the loader to resolve. tried lists every candidate looked at, in order. The
// error wraps ErrLibraryNotFound and says how to install the library.
func FindLibrary(explicit string) (path string, tried []string, err error) {
	if explicit != "" {
		p, t, err := fromUserPath(explicit, "--ort-lib")
		return p, t, err
	}
	if env := os.Getenv(EnvLibrary); env != "" {
		p, t, err := fromUserPath(env, "$"+EnvLibrary)
		return p, t, err
	}
	names := libraryNames()
	check := func(dir string) string {
		for _, n := range names {
			p := filepath.Join(dir, n)
			tried = append(tried, p)
			if isFile(p) {
				return p
			}
		}
		return ""
	}
	cacheRel := filepath.Join(".evalctl", "onnxruntime", Platform())
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; {
			if isDir(filepath.Join(dir, cacheRel)) {
				if p := check(filepath.Join(dir, cacheRel)); p != "" {
					return p, tried, nil
				}
				break // the nearest project cache decides
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				tried = append(tried, filepath.Join(wd, cacheRel)+" (and parents: none found)")
				break
			}
			dir = parent
		}
	}
	if exe, err := os.Executable(); err == nil {
		if exe, err := filepath.EvalSymlinks(exe); err == nil {
			dir := filepath.Dir(exe)
			for _, d := range []string{dir, filepath.Dir(dir)} {
				if p := check(filepath.Join(d, cacheRel)); p != "" {
					return p, tried, nil
				}
			}
			if p := check(dir); p != "" {
				return p, tried, nil
			}
		}
	}
	if cache := userCacheDir(); cache != "" {
		if p := check(filepath.Join(cache, "evalctl", "onnxruntime", Platform())); p != "" {
			return p, tried, nil
		}
	}
	for _, n := range names {
		tried = append(tried, "system loader: "+n)
		if systemProbe(n) {
			return n, tried, nil
		}
	}
	return "", tried, fmt.Errorf("%w (tried %s); %s", ErrLibraryNotFound, strings.Join(tried, ", "), fetchHint)
}

// fromUserPath resolves a library path given by the user (flag or env).
func fromUserPath(p, what string) (string, []string, error) {
	if isDir(p) {
		var tried []string
		for _, n := range libraryNames() {
			c := filepath.Join(p, n)
			tried = append(tried, c)
			if isFile(c) {
				return c, tried, nil
			}
		}
		return "", tried, fmt.Errorf("%w: %s %q is a folder without %s; %s", ErrLibraryNotFound, what, p, strings.Join(libraryNames(), " or "), fetchHint)
	}
	if !isFile(p) {
		return "", []string{p}, fmt.Errorf("%w: %s %q does not exist; %s", ErrLibraryNotFound, what, p, fetchHint)
	}
	return p, []string{p}, nil
}

// userCacheDir follows the XDG base directory spec on Linux ($XDG_CACHE_HOME,
// else ~/.cache) and os.UserCacheDir elsewhere.
func userCacheDir() string {
	if runtime.GOOS == "linux" {
		if x := os.Getenv("XDG_CACHE_HOME"); filepath.IsAbs(x) {
			return x
		}
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, ".cache")
		}
		return ""
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return d
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
