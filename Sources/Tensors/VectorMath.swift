/// exp and tanh over eight lanes at once. glibc's expf/tanhf are scalar calls, and GELU's tanh
/// and the softmaxes' exp were a fifth of a training step; these vectorise in Swift's SIMD types.
/// exp: Cephes' expf (range reduction by ln 2 in two parts, degree-5 polynomial, 2^n by
/// exponent bits), within 2 ulp over the clamped range.
@inlinable @inline(__always)
public func vectorExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
    var clamped = x.replacing(with: -87.3, where: x .< -87.3)
    clamped.replace(with: 88.3, where: clamped .> 88.3)
    // Round to the nearest integer by adding 1.5 · 2^23, where a Float's last bit is worth 1;
    // the same sum's low bits hold that integer, which becomes the exponent of 2^n.
    let magic = SIMD8<Float>(repeating: 12582912)
    let shifted = clamped * 1.44269504088896341 + magic
    let n = shifted - magic
    var r = clamped - n * 0.693359375
    r = r + n * 2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    p = p * (r * r) + r + 1
    let integer = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    let exponent = (integer &+ 127) &<< 23
    return p * unsafeBitCast(exponent, to: SIMD8<Float>.self)
}

/// tanh(x) = 1 - 2 / (exp(2x) + 1): exact to ~1e-7 absolute, and ±1 where it saturates.
@inlinable @inline(__always)
public func vectorTanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
    1 - 2 / (vectorExp(2 * x) + 1)
}

/// Applies `body` to `count` floats eight at a time, the tail through a zero-padded vector.
@inlinable @inline(__always)
public func forEachVector(_ x: UnsafeMutablePointer<Float>, count: Int, _ body: (SIMD8<Float>) -> SIMD8<Float>) {
    var i = 0
    while i + 8 <= count {
        let raw = UnsafeMutableRawPointer(x + i)
        raw.storeBytes(of: body(raw.loadUnaligned(as: SIMD8<Float>.self)), as: SIMD8<Float>.self)
        i += 8
    }
    if i < count {
        var tail = SIMD8<Float>(repeating: 0)
        for j in 0..<(count - i) { tail[j] = x[i + j] }
        let result = body(tail)
        for j in 0..<(count - i) { x[i + j] = result[j] }
    }
}
