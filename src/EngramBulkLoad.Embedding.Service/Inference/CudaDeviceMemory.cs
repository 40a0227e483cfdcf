using System.Runtime.InteropServices;

namespace EngramBulkLoad.Embedding.Service.Inference;

/// <summary>
/// Reads a CUDA device's free and total memory with the CUDA runtime's <c>cudaMemGetInfo</c>, from the
/// same libcudart the CUDA provider loads. ONNX Runtime's C# API does not expose its arena's size, so this
/// is what the metrics can say about memory: the device's use by every process on it.
/// </summary>
internal sealed class CudaDeviceMemory
{
    // The runtime's soname carries its major version; the provider package is built for CUDA 13.
    private static readonly string[] Libraries = ["libcudart.so.13", "libcudart.so.12", "libcudart.so"];

    private readonly MemGetInfo _memGetInfo;
    private readonly SetDevice _setDevice;
    private readonly int _deviceId;

    private CudaDeviceMemory(MemGetInfo memGetInfo, SetDevice setDevice, int deviceId)
    {
        _memGetInfo = memGetInfo;
        _setDevice = setDevice;
        _deviceId = deviceId;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int MemGetInfo(out nuint free, out nuint total);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int SetDevice(int device);

    /// <summary>The reader for <paramref name="deviceId"/>, or null where no CUDA runtime library loads.</summary>
    public static CudaDeviceMemory? TryOpen(int deviceId)
    {
        foreach (var name in Libraries)
        {
            if (NativeLibrary.TryLoad(name, out var handle)
                && NativeLibrary.TryGetExport(handle, "cudaMemGetInfo", out var memGetInfo)
                && NativeLibrary.TryGetExport(handle, "cudaSetDevice", out var setDevice))
            {
                return new CudaDeviceMemory(Marshal.GetDelegateForFunctionPointer<MemGetInfo>(memGetInfo), Marshal.GetDelegateForFunctionPointer<SetDevice>(setDevice), deviceId);
            }
        }

        return null;
    }

    /// <summary>Bytes in use and in total on the device, or null when the runtime answers with an error.</summary>
    public (long Used, long Total)? Read()
    {
        // The current device is per thread, and the metrics scrape runs on any thread.
        if (_setDevice(_deviceId) != 0 || _memGetInfo(out var free, out var total) != 0)
        {
            return null;
        }

        return ((long)(total - free), (long)total);
    }
}
